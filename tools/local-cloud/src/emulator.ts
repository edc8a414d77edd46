import {
  answers,
  childEnvFor,
  clientConfigFor,
  type EmulatorClientConfig,
  EmulatorError,
  freePort,
  isMotoEndpoint,
  LOCAL_REGION,
  portInUse,
} from './emulator-endpoint';
import { launch } from './moto-process';
import {
  type EmulatorBusPolicies,
  type EmulatorRequestCounts,
  fetchRequestCounts,
  putBusPolicies,
} from './moto-server-api';
import { ensureMoto } from './moto-setup';

/**
 * Lifecycle of the local AWS emulator: start moto on loopback (or attach to an endpoint the user
 * names), wait until it answers, and stop it with every child on exit, Ctrl-C or error.
 *
 * Usage accounting (moto run by moto_server.py only): `emulator.requestCounts()` reads how many
 * API requests the emulator served per caller, service and operation, and the DynamoDB capacity units
 * they would consume on demand per caller and table, cumulative since the emulator started. A benchmark
 * takes a snapshot before and after a run: `diffRequestCounts(before, after)` is every call the run
 * made, per caller (nothing in the functions counts). The caller is the client's `userAgentAppId` (or AWS_SDK_UA_APP_ID) as the
 * SDK sends it: a character other than a letter, a digit or one of !$%&'*+-.^_|~# and the backtick
 * becomes `-` (`bench driver` is counted as `bench-driver`); '' for clients without one.
 * `${service}.${operation}` is the SDK's `DynamoDB.UpdateItem`, `EventBridge.PutEvents`,
 * `SQS.DeleteMessageBatch`. Units are multiples of 0.5, exact in floating point.
 */

export {
  type EmulatorClientConfig,
  EmulatorError,
  freePort,
  isMotoEndpoint,
  LOCAL_ACCOUNT_ID,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  portInUse,
} from './emulator-endpoint';
export {
  BUS_POLICY_KEYS,
  BUS_POLICY_OPERATORS,
  BUS_POLICY_PATH,
  type BusPolicyCondition,
  type BusPolicyKey,
  type BusPolicyOperator,
  type BusPolicyStatement,
  diffRequestCounts,
  type EmulatorBusPolicies,
  type EmulatorRequestCount,
  type EmulatorRequestCounts,
  type EmulatorTableCapacity,
  REQUEST_COUNTS_PATH,
} from './moto-server-api';
export { MOTO_INSTALL_HINT, MOTO_VERSION } from './moto-setup';

/** moto imports ~100 services before it listens: a cold start takes 1-3 s, a slow laptop more. */
const DEFAULT_READY_TIMEOUT_MS = 30_000;

export interface Emulator {
  /** Base URL, e.g. http://127.0.0.1:49213 */
  readonly endpoint: string;
  readonly region: string;
  /** true when this process started the server (and so must stop it). */
  readonly owned: boolean;
  /** The server's process id when this process started it (for its CPU time); undefined when attached. */
  readonly pid?: number;
  /**
   * true for moto: it accepts Lambda functions but does not run them, and needs the template shims
   * of shims.ts. false for an attached LocalStack (or any other emulator).
   */
  readonly isMoto: boolean;
  /** Ways this emulator is known to differ from AWS beyond the documented ones (e.g. moto run unpatched). */
  readonly warnings: readonly string[];
  /** For `new XClient(emulator.clientConfig)`. */
  readonly clientConfig: EmulatorClientConfig;
  /** Variables that point an AWS SDK or CLI in a child process at the emulator. */
  childEnv(): Record<string, string>;
  /** moto's last output lines (its tracebacks explain a 500); empty for an attached endpoint. */
  recentLog(): readonly string[];
  /**
   * The requests served and DynamoDB capacity consumed since the emulator started (see the module doc);
   * undefined when the emulator does not count them: LocalStack, or moto without moto_server.py.
   * Throws an EmulatorError when the counting emulator does not answer.
   */
  requestCounts(): Promise<EmulatorRequestCounts | undefined>;
  /**
   * Has the emulator refuse, per PutEvents entry, what these Deny statements refuse on AWS. Resolves
   * false when it cannot (LocalStack, moto without moto_server.py); throws an EmulatorError when
   * the emulator refuses the statements.
   */
  setBusPolicies(policies: EmulatorBusPolicies): Promise<boolean>;
  /** Stops the server if this process started it; idempotent. */
  stop(): Promise<void>;
}

export interface StartEmulatorOptions {
  /**
   * Attach to this endpoint instead of starting moto.
   * @default - process.env.AWS_ENDPOINT_URL; when unset, moto is started
   */
  readonly endpoint?: string;
  /**
   * Port for moto. A port in use fails with a clear message.
   * @default - a free port picked by the operating system
   */
  readonly port?: number;
  /** @default 30 s */
  readonly readyTimeoutMs?: number;
  /**
   * Receives moto's own output lines (request log, tracebacks).
   * @default - kept in memory; the last lines are shown if moto fails to start
   */
  readonly onLog?: (line: string) => void;
  /**
   * Progress of a first run that installs moto into the project's .local/venv (moto-setup.ts);
   * pip's own output goes to stdout and stderr.
   * @default - none
   */
  readonly onProgress?: (line: string) => void;
}

async function attach(endpoint: string, readyTimeoutMs: number): Promise<Emulator> {
  const base = endpoint.replace(/\/$/, '');
  const deadline = Date.now() + readyTimeoutMs;
  while (!(await answers(base))) {
    if (Date.now() > deadline) {
      throw new EmulatorError(
        `AWS_ENDPOINT_URL=${endpoint} does not answer: start your emulator there, or unset AWS_ENDPOINT_URL to let this script start moto.`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const moto = await isMotoEndpoint(base);
  return {
    endpoint: base,
    region: LOCAL_REGION,
    owned: false,
    isMoto: moto,
    warnings: moto
      ? ['attached moto runs without the fixes of moto_server.py: events delivered to queues lack `account`']
      : [],
    clientConfig: clientConfigFor(base),
    childEnv: () => childEnvFor(base),
    recentLog: () => [],
    // Only moto may be ours; asking LocalStack would hit its S3 (a bucket named `_local`).
    requestCounts: async () => (moto ? fetchRequestCounts(base, true) : undefined),
    // Only a moto that counts requests runs moto_server.py, which enforces the statements.
    setBusPolicies: async (policies) =>
      moto && (await fetchRequestCounts(base, true)) !== undefined ? putBusPolicies(base, policies) : false,
    stop: async () => {},
  };
}

/**
 * Starts moto on 127.0.0.1, or attaches to `options.endpoint` / AWS_ENDPOINT_URL.
 * Throws an EmulatorError whose message is one actionable line (moto missing, port in use, no answer).
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const external = options.endpoint ?? process.env.AWS_ENDPOINT_URL;
  if (external) return attach(external, readyTimeoutMs);

  const setup = await ensureMoto({ onProgress: options.onProgress });
  if ('error' in setup) throw new EmulatorError(setup.error);
  const { moto } = setup;
  const launchOptions = { readyTimeoutMs, ...(options.onLog ? { onLog: options.onLog } : {}) };

  if (options.port !== undefined) {
    if (await portInUse(options.port)) {
      throw new EmulatorError(
        `port ${options.port} on 127.0.0.1 is already in use: stop what listens there, or leave the port unset to pick a free one.`,
      );
    }
    return launch(moto, options.port, launchOptions);
  }

  // Another process can take the picked port between the check and moto's bind: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(moto, await freePort(), launchOptions);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}
