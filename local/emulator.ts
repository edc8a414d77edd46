import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { onOutputLines } from './child-output';
import { ensureMoto, type MotoCommand } from './moto-setup';

/**
 * Lifecycle of the local AWS emulator: start moto on loopback (or attach to an endpoint the user
 * names), wait until it answers, and stop it with every child on exit, Ctrl-C or error.
 *
 * Usage accounting (moto run by local/moto_server.py only): `emulator.requestCounts()` reads how many
 * API requests the emulator served per caller, service and operation, and the DynamoDB capacity units
 * they would consume on demand per caller and table, cumulative since the emulator started. A benchmark
 * takes a snapshot before and after a run: `diffRequestCounts(before, after)` is every call the run
 * made, per caller (nothing in the functions counts). The caller is the client's `userAgentAppId` (or AWS_SDK_UA_APP_ID) as the
 * SDK sends it: a character other than a letter, a digit or one of !$%&'*+-.^_|~# and the backtick
 * becomes `-` (`bench driver` is counted as `bench-driver`); '' for clients without one.
 * `${service}.${operation}` is the SDK's `DynamoDB.UpdateItem`, `EventBridge.PutEvents`,
 * `SQS.DeleteMessageBatch`. Units are multiples of 0.5, exact in floating point.
 */

/** moto's default account: every ARN it builds uses it. */
export const LOCAL_ACCOUNT_ID = '123456789012';

/**
 * A fixed region keeps ARNs, queue URLs and the CloudFormation pseudo parameters the same on every
 * laptop, whatever the user's AWS profile says.
 */
export const LOCAL_REGION = 'us-east-1';

/**
 * Dummy credentials: the emulator does not check signatures, but the SDK refuses to sign without
 * credentials, and real ones must never leave the laptop for a local run.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export { MOTO_INSTALL_HINT, MOTO_VERSION } from './moto-setup';

/** moto imports ~100 services before it listens: a cold start takes 1-3 s, a slow laptop more. */
const DEFAULT_READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3_000;
/** A Python traceback is 10-30 lines: keep enough to show the one that explains a failure. */
const LOG_TAIL_LINES = 60;
const ACCESS_LOG_LINE = /^\d+\.\d+\.\d+\.\d+ - - \[/;

export class EmulatorError extends Error {
  override readonly name = 'EmulatorError';
}

/** Settings an SDK client needs to talk to the emulator. */
export interface EmulatorClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** S3 on an emulator is served under one host: virtual-hosted bucket names would not resolve. */
  readonly forcePathStyle: true;
}

/** Requests the emulator served for one caller and operation, cumulative. */
export interface EmulatorRequestCount {
  /** The `app/<id>` token of the SDK's user agent; '' when the client sets no app id. */
  readonly caller: string;
  /** `DynamoDB`, `EventBridge`, `SQS`, `S3`, `Lambda`, `CloudFormation`, `IAM`, `STS`, else the signing name. */
  readonly service: string;
  /**
   * The API operation (`UpdateItem`) for JSON and query protocol requests; for REST APIs (S3, Lambda)
   * the HTTP method and first path segment (`PUT my-bucket`).
   */
  readonly operation: string;
  /** Every HTTP request, answered with an error or not: an SDK retry counts again. */
  readonly count: number;
  /** Of `count`, the requests answered with a 4xx or 5xx status. */
  readonly errors: number;
}

/**
 * DynamoDB capacity one caller consumed on one table, as on-demand mode would bill it (item sizes by the
 * developer guide's rules; moto's own ConsumedCapacity is a constant).
 */
export interface EmulatorTableCapacity {
  readonly caller: string;
  readonly table: string;
  /** Write request units: ceil(item size / 1 KB) per write, x2 in a transaction; failed conditions included. */
  readonly writeUnits: number;
  /** Read request units: ceil(size / 4 KB) per strongly consistent read, half when eventually consistent. */
  readonly readUnits: number;
}

/** What `GET /_local/requests` of local/moto_server.py answers. */
export interface EmulatorRequestCounts {
  readonly requests: readonly EmulatorRequestCount[];
  readonly dynamodb: readonly EmulatorTableCapacity[];
}

/** Served by local/moto_server.py in front of moto's own routes. */
export const REQUEST_COUNTS_PATH = '/_local/requests';

/** Served by local/moto_server.py: `PUT` sets the bus policy statements it enforces on PutEvents. */
export const BUS_POLICY_PATH = '/_local/bus-policy';

/** The condition operators local/moto_server.py evaluates (ArnEquals matches wildcards as ArnLike does, as in IAM). */
export const BUS_POLICY_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnNotEquals',
  'ArnLike',
  'ArnNotLike',
] as const;
export type BusPolicyOperator = (typeof BUS_POLICY_OPERATORS)[number];

/** The request context of one PutEvents entry, as EventBridge authorises it. */
export const BUS_POLICY_KEYS = ['events:source', 'events:detail-type', 'aws:PrincipalArn'] as const;
export type BusPolicyKey = (typeof BUS_POLICY_KEYS)[number];

export interface BusPolicyCondition {
  readonly operator: BusPolicyOperator;
  readonly key: BusPolicyKey;
  /** Resolved values: the condition holds when the entry's value matches one (none, for a Not operator). */
  readonly values: readonly string[];
}

/** A Deny statement on events:PutEvents: an entry is refused when its principal matches and every condition holds. */
export interface BusPolicyStatement {
  readonly sid?: string;
  /** Where it comes from (`<stack>/<logical id>`), for messages. */
  readonly origin: string;
  /** ARN patterns of the principals it names; absent for `*` (everyone). */
  readonly principals?: readonly string[];
  readonly conditions: readonly BusPolicyCondition[];
}

/** What `PUT /_local/bus-policy` takes. */
export interface EmulatorBusPolicies {
  /** Access key id -> the ARN of the principal that signs with it (its `aws:PrincipalArn`). */
  readonly principals: Readonly<Record<string, string>>;
  /** Bus name -> its ARN and statements. A bus named here has its statements replaced; others are kept. */
  readonly buses: Readonly<
    Record<string, { readonly arn: string; readonly statements: readonly BusPolicyStatement[] }>
  >;
}

export interface Emulator {
  /** Base URL, e.g. http://127.0.0.1:49213 */
  readonly endpoint: string;
  readonly region: string;
  /** true when this process started the server (and so must stop it). */
  readonly owned: boolean;
  /**
   * true for moto: it accepts Lambda functions but does not run them, and needs the template shims
   * of local/shims.ts. false for an attached LocalStack (or any other emulator).
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
   * undefined when the emulator does not count them: LocalStack, or moto without local/moto_server.py.
   * Throws an EmulatorError when the counting emulator does not answer.
   */
  requestCounts(): Promise<EmulatorRequestCounts | undefined>;
  /**
   * Has the emulator refuse, per PutEvents entry, what these Deny statements refuse on AWS. Resolves
   * false when it cannot (LocalStack, moto without local/moto_server.py); throws an EmulatorError when
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
   * Progress of a first run that installs moto into the project's .local/venv (local/moto-setup.ts);
   * pip's own output goes to stdout and stderr.
   * @default - none
   */
  readonly onProgress?: (line: string) => void;
}

/** A free loopback port chosen by the OS. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether something already listens on 127.0.0.1:port. */
export async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/**
 * moto serves its own API under /moto-api/; LocalStack and AWS do not. `config` first: it is small and
 * always answers, while `data.json` dumps every backend and fails (500) once Lambda functions exist and
 * Docker is absent, which made a moto with a deployed app look like another emulator.
 */
export async function isMotoEndpoint(endpoint: string): Promise<boolean> {
  for (const path of ['/moto-api/config', '/moto-api/data.json']) {
    try {
      const res = await fetch(`${endpoint.replace(/\/$/, '')}${path}`, {
        signal: AbortSignal.timeout(3_000),
      });
      const text = await res.text();
      if (res.ok && text.trimStart().startsWith('{')) return true;
    } catch {
      // try the next one
    }
  }
  return false;
}

function isRequestCounts(value: unknown): value is EmulatorRequestCounts {
  const v = value as Partial<EmulatorRequestCounts> | null;
  return typeof v === 'object' && v !== null && Array.isArray(v.requests) && Array.isArray(v.dynamodb);
}

/**
 * Reads the counts of local/moto_server.py. `optional`: an attached moto may run without it (404, or an
 * S3 answer for a bucket named `_local`): undefined instead of an error.
 */
async function fetchRequestCounts(
  endpoint: string,
  optional: boolean,
): Promise<EmulatorRequestCounts | undefined> {
  let body: unknown;
  try {
    const res = await fetch(`${endpoint}${REQUEST_COUNTS_PATH}`, { signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    body = res.ok ? JSON.parse(text) : undefined;
  } catch (err) {
    if (optional) return undefined;
    throw new EmulatorError(
      `moto on ${endpoint} did not answer ${REQUEST_COUNTS_PATH} (${err instanceof Error ? err.message : String(err)}): has it stopped?`,
    );
  }
  if (isRequestCounts(body)) return body;
  if (optional) return undefined;
  throw new EmulatorError(
    `moto on ${endpoint} answered ${REQUEST_COUNTS_PATH} with something other than request counts: is it run by local/moto_server.py?`,
  );
}

async function putBusPolicies(endpoint: string, policies: EmulatorBusPolicies): Promise<true> {
  let res: Response;
  try {
    res = await fetch(`${endpoint}${BUS_POLICY_PATH}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(policies),
      signal: AbortSignal.timeout(5_000),
    });
  } catch (err) {
    throw new EmulatorError(
      `moto on ${endpoint} did not answer ${BUS_POLICY_PATH} (${err instanceof Error ? err.message : String(err)}): has it stopped?`,
    );
  }
  const text = await res.text();
  if (!res.ok) {
    throw new EmulatorError(
      `moto on ${endpoint} refused the bus policies (HTTP ${res.status}): ${text.trim()}`,
    );
  }
  return true;
}

/** Subtracts a counter of `before` from `after`: counters only grow, unless the emulator restarted. */
function delta(what: string, before: number | undefined, after: number): number {
  const d = after - (before ?? 0);
  if (d < 0) {
    throw new EmulatorError(
      `${what} went down between the snapshots (${before} -> ${after}): the emulator restarted in between, so they cannot be compared`,
    );
  }
  return d;
}

/**
 * What was counted between two snapshots of `requestCounts()`: per caller and operation (and per caller
 * and table), `after` minus `before`, without the rows that did not change. Throws an EmulatorError when
 * a counter went down or disappeared (the emulator restarted between the snapshots).
 */
export function diffRequestCounts(
  before: EmulatorRequestCounts,
  after: EmulatorRequestCounts,
): EmulatorRequestCounts {
  const requestKey = (r: EmulatorRequestCount) => JSON.stringify([r.caller, r.service, r.operation]);
  const tableKey = (t: EmulatorTableCapacity) => JSON.stringify([t.caller, t.table]);
  const beforeRequests = new Map(before.requests.map((r) => [requestKey(r), r]));
  const beforeTables = new Map(before.dynamodb.map((t) => [tableKey(t), t]));
  const afterRequestKeys = new Set(after.requests.map(requestKey));
  const afterTableKeys = new Set(after.dynamodb.map(tableKey));
  for (const [key, r] of beforeRequests) {
    if (!afterRequestKeys.has(key)) delta(`requests ${key}`, r.count, 0);
  }
  for (const [key, t] of beforeTables) {
    if (!afterTableKeys.has(key)) delta(`capacity ${key}`, t.writeUnits + t.readUnits, 0);
  }

  const requests: EmulatorRequestCount[] = [];
  for (const r of after.requests) {
    const key = requestKey(r);
    const b = beforeRequests.get(key);
    const count = delta(`requests ${key}`, b?.count, r.count);
    const errors = delta(`errors ${key}`, b?.errors, r.errors);
    if (count > 0 || errors > 0) requests.push({ ...r, count, errors });
  }
  const dynamodb: EmulatorTableCapacity[] = [];
  for (const t of after.dynamodb) {
    const key = tableKey(t);
    const b = beforeTables.get(key);
    const writeUnits = delta(`write units ${key}`, b?.writeUnits, t.writeUnits);
    const readUnits = delta(`read units ${key}`, b?.readUnits, t.readUnits);
    if (writeUnits > 0 || readUnits > 0) dynamodb.push({ ...t, writeUnits, readUnits });
  }
  return { requests, dynamodb };
}

function clientConfigFor(endpoint: string): EmulatorClientConfig {
  return { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true };
}

function childEnvFor(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
}

/** Children started by this process; killed synchronously if the process exits without stop(). */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // detached: the child leads its own process group, so one signal reaches moto and anything it spawned.
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL the group, no grace period left at this point.
  process.on('exit', () => {
    for (const child of running) killGroup(child, 'SIGKILL');
  });
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
      ? [
          'attached moto runs without the fixes of local/moto_server.py: events delivered to queues lack `account`',
        ]
      : [],
    clientConfig: clientConfigFor(base),
    childEnv: () => childEnvFor(base),
    recentLog: () => [],
    // Only moto may be ours; asking LocalStack would hit its S3 (a bucket named `_local`).
    requestCounts: async () => (moto ? fetchRequestCounts(base, true) : undefined),
    // Only a moto that counts requests runs local/moto_server.py, which enforces the statements.
    setBusPolicies: async (policies) =>
      moto && (await fetchRequestCounts(base, true)) !== undefined ? putBusPolicies(base, policies) : false,
    stop: async () => {},
  };
}

async function launch(moto: MotoCommand, port: number, options: StartEmulatorOptions): Promise<Emulator> {
  const endpoint = `http://127.0.0.1:${port}`;
  const tail: string[] = [];
  const child = spawn(moto.command, [...moto.args, '-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...childEnvFor(endpoint),
      MOTO_PORT: String(port),
      LOCAL_EMULATOR_PARENT_PID: String(process.pid),
    },
  });
  running.add(child);
  installExitHook();

  const onLine = (line: string) => {
    if (options.onLog) options.onLog(line);
    // The access log would push the tracebacks out of the tail.
    if (ACCESS_LOG_LINE.test(line)) return;
    tail.push(line);
    if (tail.length > LOG_TAIL_LINES) tail.shift();
  };
  onOutputLines(child, onLine);

  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      running.delete(child);
      resolve();
    });
    child.once('error', () => {
      exited = true;
      running.delete(child);
      resolve();
    });
  });

  const stop = async (): Promise<void> => {
    if (exited) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_MS);
    await exitedPromise;
    clearTimeout(timer);
    // werkzeug may have spawned helpers in the group; make sure none outlives the leader.
    killGroup(child, 'SIGKILL');
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  for (;;) {
    if (exited) {
      const lastLines = tail.slice(-5).join('\n  ');
      throw new EmulatorError(
        `moto exited before it was ready on ${endpoint}${lastLines ? `:\n  ${lastLines}` : ''}`,
      );
    }
    if (await isMotoEndpoint(endpoint)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new EmulatorError(
        `moto did not answer on ${endpoint} within ${options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    endpoint,
    region: LOCAL_REGION,
    owned: true,
    isMoto: true,
    warnings: moto.patched
      ? []
      : ['moto runs without the fixes of local/moto_server.py: events delivered to queues lack `account`'],
    clientConfig: clientConfigFor(endpoint),
    childEnv: () => childEnvFor(endpoint),
    recentLog: () => [...tail],
    requestCounts: async () => (moto.patched ? fetchRequestCounts(endpoint, false) : undefined),
    setBusPolicies: async (policies) => (moto.patched ? putBusPolicies(endpoint, policies) : false),
    stop,
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

  if (options.port !== undefined) {
    if (await portInUse(options.port)) {
      throw new EmulatorError(
        `port ${options.port} on 127.0.0.1 is already in use: stop what listens there, or leave the port unset to pick a free one.`,
      );
    }
    return launch(moto, options.port, options);
  }

  // Another process can take the picked port between the check and moto's bind: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(moto, await freePort(), options);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}
