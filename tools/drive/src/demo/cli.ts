import { Command, InvalidArgumentError, Option } from 'commander';
import { STAGE_NAMES } from '../../../../lib/config';
import { parseCommandLine, wholeNumber } from '../cli-options';
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

// One paragraph: commander wraps it to the terminal.
const DESCRIPTION =
  'Runs the order pipeline on this machine: starts moto (or attaches to AWS_ENDPOINT_URL), synthesizes and ' +
  'deploys the app, runs the functions with the local Lambda runner, then places a demo: stock for a small ' +
  'catalogue (one product scarce), N orders of which 40 % are built to fail (out of stock, payment declined, ' +
  'rejected by validation), and one malformed event put straight on the bus. It follows them to their final ' +
  'states and prints the outcome: orders per final state (expected vs actual), stock, analytics, DLQs.';

const EXIT_CODES = `
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
  | { readonly kind: 'help'; readonly text: string }
  /** Mint a token for the JWT routes of a running gateway, nothing else. */
  | { readonly kind: 'token'; readonly subject: string }
  | { readonly kind: 'usage-error'; readonly message: string };

function tokenSubject(value: string): string {
  if (!/^[\x21-\x7e]{1,255}$/.test(value)) {
    throw new InvalidArgumentError('--token needs a subject of 1-255 printable characters without spaces.');
  }
  return value;
}

interface CommanderOptions {
  readonly orders: number;
  readonly stage: string;
  readonly keep?: true;
  readonly port?: number;
  readonly apiPort?: number;
  readonly token?: string;
  readonly replace?: true;
  readonly synth: boolean;
  readonly timeout?: number;
  readonly concurrency?: number;
  readonly logs?: true;
  readonly verbose?: true;
}

function demoCommand(): Command {
  const port = wholeNumber(1, 65_535);
  return new Command('npm run local --')
    .usage('[options] | --token SUBJECT')
    .description(DESCRIPTION)
    .addOption(
      new Option('--orders <N>', `orders to place (1-${MAX_DEMO_ORDERS})`)
        .argParser(wholeNumber(1, MAX_DEMO_ORDERS))
        .default(DEFAULT_ORDERS),
    )
    .addOption(
      new Option('--stage <NAME>', 'stage of lib/config.ts to deploy')
        .choices(STAGE_NAMES)
        .default(DEFAULT_STAGE),
    )
    .option(
      '--keep',
      'keep moto and the runner after the outcome, for exploring with the aws CLI; Ctrl-C stops',
    )
    .addOption(new Option('--port <N>', 'start moto on this port (default: a free one)').argParser(port))
    .addOption(
      new Option(
        '--api-port <N>',
        "serve the app's first HTTP API on this port, the next ones after it (default: free ones)",
      ).argParser(port),
    )
    .option('--replace', 'on an attached emulator, delete the stacks an earlier run left, then deploy')
    .option(
      '--no-synth',
      'deploy the last assembly of the stage (.local/cdk.out-<stage>) instead of synthesizing',
    )
    .addOption(
      new Option(
        '--concurrency <N>',
        "concurrent invocations per queue (default: this machine's cores, at most the queue's " +
          'MaximumConcurrency): more only adds load on a laptop and on moto',
      ).argParser(wholeNumber(1, 100)),
    )
    .addOption(
      new Option(
        '--timeout <SECONDS>',
        'give up waiting this long after the orders are placed (default: long enough for the malformed ' +
          'event to be dead-lettered, plus time for the orders)',
      ).argParser(wholeNumber(1, 24 * 3600, ' of seconds')),
    )
    .option('--logs', "print the functions' log lines")
    .option('--verbose', 'print every Lambda invocation')
    .addOption(
      new Option(
        '--token <SUBJECT>',
        'print a token for SUBJECT that the JWT routes of a running `npm run local -- --keep` accept, and exit',
      ).argParser(tokenSubject),
    )
    .helpOption('-h, --help', 'this text')
    .addHelpText('after', EXIT_CODES);
}

/**
 * Parses `argv` (without node and the script). `env` decides what cannot be combined: --port starts
 * moto, so it makes no sense with AWS_ENDPOINT_URL.
 */
export function parseCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedCli {
  const command = demoCommand();
  const parsed = parseCommandLine(command, argv);
  if (parsed.kind !== 'parsed') return parsed;
  const values = command.opts<CommanderOptions>();
  if (values.token !== undefined) return { kind: 'token', subject: values.token };
  if (values.port !== undefined && env.AWS_ENDPOINT_URL) {
    return {
      kind: 'usage-error',
      message: `--port starts moto on that port, but AWS_ENDPOINT_URL=${env.AWS_ENDPOINT_URL} attaches to a running emulator: use one or the other`,
    };
  }
  return {
    kind: 'run',
    options: {
      orders: values.orders,
      stage: values.stage,
      keep: values.keep ?? false,
      port: values.port,
      ...(values.apiPort !== undefined ? { apiPort: values.apiPort } : {}),
      replace: values.replace ?? false,
      synth: values.synth,
      timeoutSeconds: values.timeout,
      concurrency: values.concurrency,
      logs: values.logs ?? false,
      verbose: values.verbose ?? false,
    },
  };
}
