import { parseArgs } from 'node:util';
import { STAGE_NAMES } from '../../../../lib/config';
import { DEFAULT_STAGE, wholeNumber } from '../demo/cli';
import { MAX_SCENARIO_ORDERS } from '../demo/scenario';

/** The command line of `npm run bench` (tools/drive/src/bench/run.ts), parsed and checked without side effects. */

export const DEFAULT_ORDERS = 1_000;
/** The scaling check runs this many times fewer orders first. */
export const SCALING_FACTOR = 10;
/** Above this, random faults or poison would measure the retries more than the pipeline. */
export const MAX_RATE = 0.5;

/**
 * Messages the consumer queues may hold before more orders are placed. moto's SQS works in time
 * proportional to a queue's length, so one burst of 10,000 orders would measure moto, not the pipeline.
 */
export const DEFAULT_BACKLOG = 1_000;

/** Orders of the light-load run: enough for a p95 of latencies, few enough to take half a minute. */
export const DEFAULT_LIGHT_ORDERS = 20;
/** Seconds between two orders of the light-load run. */
export const DEFAULT_LIGHT_EVERY_SECONDS = 1;

export const USAGE =
  'usage: npm run bench -- [--orders N] [--out FILE.json] [--fault-rate P] [--poison-rate Q] [--backlog N | --burst] ' +
  '[--light N | --no-light] [--light-every SECONDS] [--no-floor] [--no-scaling] [--concurrency N] [--port N] [--stage NAME] [--update-docs] [--help]';

export const HELP = `${USAGE}

Measures the order pipeline on this machine: starts moto, deploys stage local (--stage), runs the functions with
the local Lambda runner (the machinery of npm run local) and places N orders of the demo's mix (60 %
fulfilled; out of stock, declined, rejected) through the HTTP API (POST /orders, signed), following each to
its final state with GET /orders/{orderId}. Reports throughput, end-to-end latency (the client's POST ->
final state) p50/p95/p99 under load and at light load (one order a second), AWS calls per order (the requests moto served each
function, the runner's pollers and the producer, told apart by their SDK app id), the minimum a hop needs, the floor (the same run with handlers that only make a hop's unavoidable calls), cost per
1M orders at AWS list prices (tools/drive/src/bench/aws-prices-*.json) and the wall-time ratio of N to N/${SCALING_FACTOR} orders.

  --orders N          orders to place (1-${MAX_SCENARIO_ORDERS}, default ${DEFAULT_ORDERS})
  --out FILE.json     where to write the result; the chart goes beside it as FILE.svg
                      (default .local/bench/bench-N.json, faults-N.json with faults or poison;
                      docs/bench/ with --update-docs, so the docs link to a committed file)
  --fault-rate P      share of deliveries (0-${MAX_RATE}) that crash at a random point: before the write,
                      after the write (before the acknowledgement) or before the publish
  --poison-rate Q     malformed events to put on the bus, as a share (0-${MAX_RATE}) of the orders
  --backlog N         place orders as the queues drain, keeping at most N messages queued (default
                      ${DEFAULT_BACKLOG}): moto's SQS slows with a queue's length, so a burst of thousands
                      of orders would measure moto
  --burst             place every order at once instead
  --light N           after the loaded run, place N orders one a second, each on an idle pipeline, for the
                      latency an order sees below the load where batches fill (0-1000, default
                      ${DEFAULT_LIGHT_ORDERS})
  --no-light          skip the light-load run
  --light-every S     seconds between two orders of the light-load run (1-60, default
                      ${DEFAULT_LIGHT_EVERY_SECONDS}): slower on a machine too busy to finish an order in a second
  --no-floor          skip the floor run
  --no-scaling        skip the N/${SCALING_FACTOR} run
  --concurrency N     concurrent invocations per queue (default: this machine's cores)
  --port N            start moto on this port (default: a free one)
  --stage NAME        stage of lib/config.ts to deploy (${STAGE_NAMES.join(', ')}; default ${DEFAULT_STAGE});
                      test, with its short function timeout, dead-letters poison events sooner
  --update-docs       write the figures into README.md and docs/capacity.md (a run with faults or
                      poison into their own block)
  --help              this text

With faults or poison on, the report counts orders lost, effects duplicated and poison events in the
DLQs. Exit codes: 0 every order ended as built (and nothing lost or duplicated); 1 not; 2 bad command
line; 3 the tooling failed (no moto, port in use, deploy failed).`;

export interface BenchOptions {
  readonly orders: number;
  readonly out?: string;
  readonly faultRate: number;
  readonly poisonRate: number;
  /** Undefined: every order at once. */
  readonly backlog?: number;
  /** Orders of the light-load run; 0 skips it. */
  readonly lightOrders: number;
  /** Between two orders of the light-load run. */
  readonly lightIntervalMs: number;
  readonly floor: boolean;
  readonly scaling: boolean;
  readonly concurrency?: number;
  readonly port?: number;
  readonly stage: string;
  readonly updateDocs: boolean;
}

export type ParsedBenchCli =
  | { readonly kind: 'run'; readonly options: BenchOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string };

function rate(value: string): number | undefined {
  if (!/^(0(\.\d+)?|\.\d+|1(\.0+)?)$/.test(value)) return undefined;
  const n = Number(value);
  return n <= MAX_RATE ? n : undefined;
}

export function parseBenchCli(argv: readonly string[]): ParsedBenchCli {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (err) {
    return { kind: 'usage-error', message: (err as Error).message.split('\n')[0] ?? 'bad arguments' };
  }
  if (values.help) return { kind: 'help' };
  const checks: [string, string | undefined, (v: string) => number | undefined, string][] = [
    [
      'orders',
      values.orders,
      (v) => wholeNumber(v, 1, MAX_SCENARIO_ORDERS),
      `a whole number from 1 to ${MAX_SCENARIO_ORDERS}`,
    ],
    ['fault-rate', values['fault-rate'], rate, `a number from 0 to ${MAX_RATE}, e.g. 0.05`],
    ['poison-rate', values['poison-rate'], rate, `a number from 0 to ${MAX_RATE}, e.g. 0.01`],
    ['concurrency', values.concurrency, (v) => wholeNumber(v, 1, 100), 'a whole number from 1 to 100'],
    [
      'backlog',
      values.backlog,
      (v) => wholeNumber(v, 10, 1_000_000),
      'a whole number of messages, at least 10',
    ],
    ['port', values.port, (v) => wholeNumber(v, 1, 65_535), 'a port number (1-65535)'],
    ['light', values.light, (v) => wholeNumber(v, 0, 1_000), 'a whole number of orders from 0 to 1000'],
    [
      'light-every',
      values['light-every'],
      (v) => wholeNumber(v, 1, 60),
      'a whole number of seconds from 1 to 60',
    ],
  ];
  const parsed: Record<string, number | undefined> = {};
  for (const [name, raw, parser, expected] of checks) {
    if (raw === undefined) continue;
    parsed[name] = parser(raw);
    if (parsed[name] === undefined) return { kind: 'usage-error', message: `--${name} must be ${expected}` };
  }
  if (values.burst && values.backlog !== undefined) {
    return {
      kind: 'usage-error',
      message: '--burst places every order at once: it cannot be combined with --backlog',
    };
  }
  if (values['no-light'] && values.light !== undefined) {
    return {
      kind: 'usage-error',
      message: '--no-light skips the light-load run: it cannot be combined with --light',
    };
  }
  const stage = values.stage ?? DEFAULT_STAGE;
  if (!STAGE_NAMES.includes(stage)) {
    return {
      kind: 'usage-error',
      message: `--stage must be one of ${STAGE_NAMES.join(', ')} (lib/config.ts)`,
    };
  }
  if (values.out !== undefined && !values.out.endsWith('.json')) {
    return { kind: 'usage-error', message: '--out must name a .json file (the chart is written beside it)' };
  }
  return {
    kind: 'run',
    options: {
      orders: parsed.orders ?? DEFAULT_ORDERS,
      out: values.out,
      faultRate: parsed['fault-rate'] ?? 0,
      poisonRate: parsed['poison-rate'] ?? 0,
      backlog: values.burst ? undefined : (parsed.backlog ?? DEFAULT_BACKLOG),
      lightOrders: values['no-light'] ? 0 : (parsed.light ?? DEFAULT_LIGHT_ORDERS),
      lightIntervalMs: (parsed['light-every'] ?? DEFAULT_LIGHT_EVERY_SECONDS) * 1000,
      floor: !values['no-floor'],
      scaling: !values['no-scaling'],
      concurrency: parsed.concurrency,
      port: parsed.port,
      stage,
      updateDocs: values['update-docs'] ?? false,
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
      out: { type: 'string' },
      'fault-rate': { type: 'string' },
      'poison-rate': { type: 'string' },
      backlog: { type: 'string' },
      burst: { type: 'boolean' },
      light: { type: 'string' },
      'no-light': { type: 'boolean' },
      'light-every': { type: 'string' },
      'no-floor': { type: 'boolean' },
      'no-scaling': { type: 'boolean' },
      concurrency: { type: 'string' },
      port: { type: 'string' },
      stage: { type: 'string' },
      'update-docs': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
