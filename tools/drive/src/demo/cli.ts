import { parseArgs } from 'node:util';
import { STAGE_NAMES } from '../../../../lib/config';
import { MAX_DEMO_ORDERS } from './scenario';

/** The command line of `npm run local` (tools/drive/src/demo/run.ts), parsed and checked without side effects. */

export const DEFAULT_ORDERS = 20;
export const DEFAULT_STAGE = 'local';

/** Exit codes of `npm run local`. */
export const EXIT = {
  /** Every order reached the final state it was built for. */
  passed: 0,
  /** The run finished, but some order (or stock, analytics, a DLQ) is not what the scenario was built for. */
  failed: 1,
  /** Unknown flag or bad value: nothing was started. */
  usage: 2,
  /** The tooling could not run the demo (no moto, port in use, synth or deploy failed, stack left over). */
  fault: 3,
  /** Ctrl-C (SIGINT) before the end; SIGTERM gives 143. */
  interrupted: 130,
} as const;

export const USAGE =
  'usage: npm run local -- [--orders N] [--stage NAME] [--keep] [--port N] [--replace] [--no-synth] ' +
  '[--concurrency N] [--timeout SECONDS] [--api-port N] [--logs] [--verbose] [--help] | --token SUBJECT';

export const HELP = `${USAGE}

Runs the order pipeline on this machine: starts moto (or attaches to AWS_ENDPOINT_URL), synthesizes and
deploys the app, runs the functions with the local Lambda runner, then places a demo: stock for a small
catalogue (one product scarce), N orders of which 40 % are built to fail (out of stock, payment declined,
rejected by validation), and one malformed event put straight on the bus. It follows them to their final
states and prints the outcome: orders per final state (expected vs actual), stock, analytics, DLQs.

  --orders N          orders to place (1-${MAX_DEMO_ORDERS}, default ${DEFAULT_ORDERS})
  --stage NAME        stage of lib/config.ts to deploy (${STAGE_NAMES.join(', ')}; default ${DEFAULT_STAGE})
  --keep              keep moto and the runner after the outcome, for exploring with the aws CLI; Ctrl-C stops
  --port N            start moto on this port (default: a free one)
  --api-port N        serve the app's first HTTP API on this port, the next ones after it (default: free ones)
  --replace           on an attached emulator, delete the stacks an earlier run left, then deploy
  --no-synth          deploy the last assembly of the stage (.local/cdk.out-<stage>) instead of synthesizing
  --concurrency N     concurrent invocations per queue (default: this machine's cores, at most the
                      queue's MaximumConcurrency): more only adds load on a laptop and on moto
  --timeout SECONDS   give up waiting this long after the orders are placed (default: long enough for the
                      malformed event to be dead-lettered, plus time for the orders)
  --logs              print the functions' log lines
  --verbose           print every Lambda invocation
  --help              this text
  --token SUBJECT     print a token for SUBJECT that the JWT routes of a running \`npm run local -- --keep\`
                      accept, and exit

Exit codes: 0 every order reached the final state it was built for; 1 some did not (they are listed);
2 bad command line; 3 the tooling failed (no moto, port in use, deploy failed, stack left over);
130 interrupted.`;

export interface DemoCliOptions {
  readonly orders: number;
  readonly stage: string;
  readonly keep: boolean;
  readonly port?: number;
  /** Port of the first HTTP API. @default - a free one */
  readonly apiPort?: number;
  readonly replace: boolean;
  readonly synth: boolean;
  readonly timeoutSeconds?: number;
  /** Concurrent invocations per queue. @default - decided by the caller (the machine's cores) */
  readonly concurrency?: number;
  readonly logs: boolean;
  readonly verbose: boolean;
}

export type ParsedCli =
  | { readonly kind: 'run'; readonly options: DemoCliOptions }
  | { readonly kind: 'help' }
  /** Mint a token for the JWT routes of a running gateway, nothing else. */
  | { readonly kind: 'token'; readonly subject: string }
  | { readonly kind: 'usage-error'; readonly message: string };

/** A whole number from `min` to `max` written in digits only; undefined otherwise. Shared by the bench CLI. */
export function wholeNumber(value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}

/**
 * Parses `argv` (without node and the script). `env` decides what cannot be combined: --port starts
 * moto, so it makes no sense with AWS_ENDPOINT_URL.
 */
export function parseCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedCli {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (err) {
    // node's messages name the flag: "Unknown option '--oders'", "Option '--orders <value>' argument missing".
    return { kind: 'usage-error', message: (err as Error).message.split('\n')[0] ?? 'bad arguments' };
  }
  if (values.help) return { kind: 'help' };
  if (values.token !== undefined) {
    if (!/^[\x21-\x7e]{1,255}$/.test(values.token)) {
      return {
        kind: 'usage-error',
        message: '--token needs a subject of 1-255 printable characters without spaces',
      };
    }
    return { kind: 'token', subject: values.token };
  }

  const orders =
    values.orders === undefined ? DEFAULT_ORDERS : wholeNumber(values.orders, 1, MAX_DEMO_ORDERS);
  if (orders === undefined) {
    return { kind: 'usage-error', message: `--orders must be a whole number from 1 to ${MAX_DEMO_ORDERS}` };
  }
  const stage = values.stage ?? DEFAULT_STAGE;
  if (!STAGE_NAMES.includes(stage)) {
    return {
      kind: 'usage-error',
      message: `--stage must be one of ${STAGE_NAMES.join(', ')} (lib/config.ts)`,
    };
  }
  const port = values.port === undefined ? undefined : wholeNumber(values.port, 1, 65_535);
  if (values.port !== undefined && port === undefined) {
    return { kind: 'usage-error', message: '--port must be a port number (1-65535)' };
  }
  if (port !== undefined && env.AWS_ENDPOINT_URL) {
    return {
      kind: 'usage-error',
      message: `--port starts moto on that port, but AWS_ENDPOINT_URL=${env.AWS_ENDPOINT_URL} attaches to a running emulator: use one or the other`,
    };
  }
  const apiPort = values['api-port'] === undefined ? undefined : wholeNumber(values['api-port'], 1, 65_535);
  if (values['api-port'] !== undefined && apiPort === undefined) {
    return { kind: 'usage-error', message: '--api-port must be a port number (1-65535)' };
  }
  const timeoutSeconds = values.timeout === undefined ? undefined : wholeNumber(values.timeout, 1, 24 * 3600);
  if (values.timeout !== undefined && timeoutSeconds === undefined) {
    return { kind: 'usage-error', message: '--timeout must be a whole number of seconds (1-86400)' };
  }
  const concurrency = values.concurrency === undefined ? undefined : wholeNumber(values.concurrency, 1, 100);
  if (values.concurrency !== undefined && concurrency === undefined) {
    return { kind: 'usage-error', message: '--concurrency must be a whole number from 1 to 100' };
  }
  return {
    kind: 'run',
    options: {
      orders,
      stage,
      keep: values.keep ?? false,
      port,
      ...(apiPort !== undefined ? { apiPort } : {}),
      replace: values.replace ?? false,
      synth: !values['no-synth'],
      timeoutSeconds,
      concurrency,
      logs: values.logs ?? false,
      verbose: values.verbose ?? false,
    },
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      orders: { type: 'string' },
      stage: { type: 'string' },
      keep: { type: 'boolean' },
      port: { type: 'string' },
      'api-port': { type: 'string' },
      token: { type: 'string' },
      replace: { type: 'boolean' },
      'no-synth': { type: 'boolean' },
      timeout: { type: 'string' },
      concurrency: { type: 'string' },
      logs: { type: 'boolean' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
