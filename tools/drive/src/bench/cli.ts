import { Command, InvalidArgumentError, Option } from 'commander';
import { STAGE_NAMES } from '../../../../lib/config';
import { parseCommandLine, wholeNumber } from '../cli-options';
import { DEFAULT_STAGE } from '../demo/cli';
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
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'usage-error'; readonly message: string };

/** Argument parsers: a bad value ends as a usage error (exit code 2) naming the option and the value. */
function rate(value: string): number {
  const n = /^(\d+(\.\d*)?|\.\d+)$/.test(value) ? Number(value) : Number.NaN;
  if (!(n <= MAX_RATE)) throw new InvalidArgumentError(`Expected a number from 0 to ${MAX_RATE}, e.g. 0.05.`);
  return n;
}

function jsonFile(value: string): string {
  if (!value.endsWith('.json')) {
    throw new InvalidArgumentError('Expected a .json file (the chart is written beside it).');
  }
  return value;
}

function benchCommand(): Command {
  return new Command('npm run bench --')
    .description(
      'Measures the order pipeline on this machine: starts moto, deploys stage local (--stage), runs the ' +
        'functions with the local Lambda runner (the machinery of npm run local) and places N orders of the ' +
        "demo's mix (60 % fulfilled; out of stock, declined, rejected) through the HTTP API (POST /orders, " +
        'signed), following each to its final state with GET /orders/{orderId}. Reports throughput, end-to-end ' +
        "latency (the client's POST -> final state) p50/p95/p99 under load and at light load (one order a " +
        "second), AWS calls per order (the requests moto served each function, the runner's pollers and the " +
        'producer, told apart by their SDK app id), the minimum a hop needs, the floor (the same run with ' +
        "handlers that only make a hop's unavoidable calls), the CPU of the emulator, this process and the " +
        'execution environments in each of the two, cost per 1M orders at AWS list prices ' +
        `(tools/drive/src/bench/aws-prices-*.json) and the wall-time ratio of N to N/${SCALING_FACTOR} orders.`,
    )
    .addOption(
      new Option('--orders <N>', `orders to place (1-${MAX_SCENARIO_ORDERS})`)
        .argParser(wholeNumber(1, MAX_SCENARIO_ORDERS))
        .default(DEFAULT_ORDERS),
    )
    .addOption(
      new Option(
        '--out <FILE.json>',
        'where to write the result; the chart goes beside it as FILE.svg (default .local/bench/bench-N.json, ' +
          'faults-N.json with faults or poison; docs/bench/ with --update-docs, so the docs link to a committed file)',
      ).argParser(jsonFile),
    )
    .addOption(
      new Option(
        '--fault-rate <P>',
        `share of deliveries (0-${MAX_RATE}) that crash at a random point: before the write, after the ` +
          'write (before the acknowledgement) or before the publish',
      )
        .argParser(rate)
        .default(0),
    )
    .addOption(
      new Option(
        '--poison-rate <Q>',
        `malformed events to put on the bus, as a share (0-${MAX_RATE}) of the orders`,
      )
        .argParser(rate)
        .default(0),
    )
    .addOption(
      new Option(
        '--backlog <N>',
        "place orders as the queues drain, keeping at most N messages queued: moto's SQS slows with a " +
          "queue's length, so a burst of thousands of orders would measure moto",
      )
        .argParser(wholeNumber(10, 1_000_000, ' of messages'))
        .default(DEFAULT_BACKLOG),
    )
    .addOption(new Option('--burst', 'place every order at once instead').conflicts('backlog'))
    .addOption(
      new Option(
        '--light <N>',
        'after the loaded run, place N (0-1000) orders one a second, each on an idle pipeline, for the latency an ' +
          'order sees below the load where batches fill',
      )
        .argParser(wholeNumber(0, 1_000, ' of orders'))
        .default(DEFAULT_LIGHT_ORDERS),
    )
    .addOption(new Option('--no-light', 'skip the light-load run'))
    .addOption(
      new Option(
        '--light-every <S>',
        'seconds (1-60) between two orders of the light-load run: slower on a machine too busy to finish an order in a second',
      )
        .argParser(wholeNumber(1, 60, ' of seconds'))
        .default(DEFAULT_LIGHT_EVERY_SECONDS),
    )
    .addOption(new Option('--no-floor', 'skip the floor run'))
    .addOption(new Option('--no-scaling', `skip the N/${SCALING_FACTOR} run`))
    .addOption(
      new Option(
        '--concurrency <N>',
        "concurrent invocations per queue (default: this machine's cores)",
      ).argParser(wholeNumber(1, 100)),
    )
    .addOption(
      new Option('--port <N>', 'start moto on this port (default: a free one)').argParser(
        wholeNumber(1, 65_535),
      ),
    )
    .addOption(
      new Option(
        '--stage <NAME>',
        'stage of lib/config.ts to deploy; test, with its short function timeout, dead-letters poison events sooner',
      )
        .choices(STAGE_NAMES)
        .default(DEFAULT_STAGE),
    )
    .addOption(
      new Option(
        '--update-docs',
        'write the figures into README.md and docs/capacity.md (a run with faults or poison into their own block)',
      ),
    )
    .addHelpText(
      'after',
      `
With faults or poison on, the report counts orders lost, effects duplicated and poison events in the
DLQs. Exit codes: 0 every order ended as built (and nothing lost or duplicated); 1 not; 2 bad command
line; 3 the tooling failed (no moto, port in use, deploy failed).`,
    )
    .allowExcessArguments(false);
}

interface BenchFlags {
  readonly orders: number;
  readonly out?: string;
  readonly faultRate: number;
  readonly poisonRate: number;
  readonly backlog: number;
  readonly burst?: true;
  readonly light: number | false;
  readonly lightEvery: number;
  readonly floor: boolean;
  readonly scaling: boolean;
  readonly concurrency?: number;
  readonly port?: number;
  readonly stage: string;
  readonly updateDocs?: true;
}

export function parseBenchCli(argv: readonly string[]): ParsedBenchCli {
  const program = benchCommand();
  // --light and --no-light set one value, the last one winning; together they contradict each other.
  const lightFlags = new Set<string>();
  program.on('option:light', () => lightFlags.add('--light'));
  program.on('option:no-light', () => lightFlags.add('--no-light'));
  const parsed = parseCommandLine(program, argv);
  if (parsed.kind !== 'parsed') return parsed;
  if (lightFlags.size > 1) {
    return {
      kind: 'usage-error',
      message: "option '--no-light' skips the light-load run: it cannot be used with option '--light <N>'",
    };
  }
  const flags = program.opts<BenchFlags>();
  return {
    kind: 'run',
    options: {
      orders: flags.orders,
      out: flags.out,
      faultRate: flags.faultRate,
      poisonRate: flags.poisonRate,
      backlog: flags.burst ? undefined : flags.backlog,
      lightOrders: flags.light === false ? 0 : flags.light,
      lightIntervalMs: flags.lightEvery * 1000,
      floor: flags.floor,
      scaling: flags.scaling,
      concurrency: flags.concurrency,
      port: flags.port,
      stage: flags.stage,
      updateDocs: flags.updateDocs ?? false,
    },
  };
}
