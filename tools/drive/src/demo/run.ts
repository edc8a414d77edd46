/**
 * `npm run local`: the whole pipeline on this machine, no AWS account, no Docker. Starts moto (or
 * attaches to AWS_ENDPOINT_URL), synthesizes and deploys the app (stage `local`), runs the functions with
 * the local Lambda runner, plays the demo scenario (demo/scenario.ts) and prints its outcome.
 * `npm run local -- --help` lists the flags and exit codes.
 *
 *   demo/cli.ts       the command line             demo/scenario.ts  which orders, which expected states
 *   demo/drive.ts     seeds, places, reads         demo/outcome.ts   expected vs observed
 *   demo/play.ts      polls until settled          demo/report.ts    the outcome as text
 *   demo/progress.ts  the live status line         demo/order-api.ts POST /orders, GET /orders/{orderId}, signed
 *   demo/keep.ts      what --keep prints
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { DeployError, StackExistsError } from '@order-pipeline/local-cloud/deploy';
import { EmulatorError, MOTO_INSTALL_HINT } from '@order-pipeline/local-cloud/emulator';
import { mintTokenFromFile } from '@order-pipeline/local-cloud/http-api';
import { endpointsOf, removeEndpoints, writeEndpoints } from '@order-pipeline/local-cloud/http-api/endpoints';
import type { InvocationReport } from '@order-pipeline/local-cloud/lambda-runner';
import {
  LOCAL_DIR,
  type LocalPipeline,
  startLocalPipeline,
} from '@order-pipeline/local-cloud/local-pipeline';
import { isFinalOrderStatus } from '../../../../lambda/domain/order';
import { ConfigError, loadStageConfig } from '../../../../lib/config';
import { type DemoCliOptions, EXIT, parseCli } from './cli';
import { DemoDriver } from './drive';
import { formatDuration } from './format';
import { apiInstructions, ENDPOINTS_FILE, keepInstructions } from './keep';
import type { RunResult } from './play';
import { formatStatus, ProgressDisplay } from './progress';
import { formatReport } from './report';
import { buildScenario, type Scenario, ScenarioError } from './scenario';
import { demoTargets, orderApiUrl } from './targets';

const started = Date.now();
/** The local JWT issuer's key while a run serves JWT routes: `--token` mints with it. */
const JWT_ISSUER_FILE = join(LOCAL_DIR, 'jwt-issuer.json');
const display = new ProgressDisplay(process.stdout);

function stamp(): string {
  return `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`;
}
function say(line: string): void {
  display.line(`${stamp()} ${line}`);
}

/** Time after the orders are placed to give up: the malformed event's redrive, plus time for the orders. */
function deadlineFor(options: DemoCliOptions) {
  return ({
    maxReceiveCount,
    visibilityTimeoutSeconds,
  }: {
    maxReceiveCount: number;
    visibilityTimeoutSeconds: number;
  }) =>
    options.timeoutSeconds !== undefined
      ? options.timeoutSeconds * 1000
      : (maxReceiveCount + 1) * visibilityTimeoutSeconds * 1000 + 60_000 + options.orders * 250;
}

/**
 * Pollers (and execution environments) per queue. The stack allows 10 per queue (MAX_CONCURRENCY): 60
 * node processes and their polling on a 2-core laptop, all talking to one single-threaded moto, make
 * every invocation slower, not the run faster.
 */
function defaultConcurrency(): number {
  return Math.max(1, availableParallelism());
}

function isFinal(order: { readonly status?: string } | undefined): boolean {
  return isFinalOrderStatus(order?.status);
}

function describeInvocation(r: InvocationReport): string {
  const records = `${r.messageIds.length} record${r.messageIds.length === 1 ? '' : 's'}`;
  const result =
    r.outcome.kind === 'all-succeeded'
      ? 'ok'
      : r.outcome.kind === 'partial'
        ? `${r.outcome.failedIds.length} failed (retried after the visibility timeout)`
        : `batch failed: ${r.outcome.reason}`;
  const cold = r.coldStart ? `, cold start ${r.initMs ?? 0} ms` : '';
  return `  ${r.shortName.padEnd(15)} ${records.padEnd(10)} ${result}  ${r.durationMs} ms${cold}`;
}

/** One line that says what went wrong and what to do, then any detail lines of the cause. */
function faultLines(err: unknown, options: DemoCliOptions): string[] {
  const message = err instanceof Error ? err.message : String(err);
  const [first = '', ...details] = message.split('\n');
  const detail = details.map((d) => `  ${d.trim()}`).filter((d) => d.trim());
  const attached = process.env.AWS_ENDPOINT_URL;
  if (err instanceof StackExistsError) {
    return [
      `npm run local: stack ${err.stackName} is already on ${attached ?? 'the emulator'}, left by an earlier run: ` +
        'stop that emulator (or the earlier `npm run local -- --keep`) for a clean one, or run again with --replace.',
    ];
  }
  if (err instanceof EmulatorError) return [`npm run local: ${first}`, ...detail];
  if (err instanceof DeployError && first.startsWith('cdk synth failed')) {
    return [`npm run local: ${first} fix the error below, then run again.`, ...detail];
  }
  if (err instanceof DeployError) {
    return [
      `npm run local: deploying stage ${options.stage} failed: ${first}. Fix the resource it names, or use the ` +
        `emulator version this project is tested with: ${MOTO_INSTALL_HINT}.`,
      ...detail,
    ];
  }
  if (attached) {
    return [
      `npm run local: ${attached} (AWS_ENDPOINT_URL) did not answer as a working AWS emulator (${first}): point it ` +
        'at moto or LocalStack (restart it if an earlier run broke it), or unset it to let this script start moto.',
    ];
  }
  return [`npm run local: ${first}`, ...detail];
}

async function main(): Promise<number> {
  const parsed = parseCli(process.argv.slice(2), process.env);
  if (parsed.kind === 'help') {
    process.stdout.write(parsed.text);
    return EXIT.passed;
  }
  if (parsed.kind === 'usage-error') {
    console.error(`npm run local: ${parsed.message} (--help lists the flags)`);
    return EXIT.usage;
  }
  if (parsed.kind === 'token') {
    try {
      console.log(await mintTokenFromFile(JWT_ISSUER_FILE, parsed.subject));
      return EXIT.passed;
    } catch (err) {
      console.error(`npm run local: ${(err as Error).message}`);
      return EXIT.usage;
    }
  }
  const options = parsed.options;

  // Built before anything starts: a stage whose rules cannot produce the demo fails here, in a second.
  let scenario: Scenario;
  try {
    scenario = buildScenario({
      runId: randomUUID().slice(0, 6),
      orders: options.orders,
      policy: loadStageConfig(options.stage),
      now: new Date(),
      eventId: randomUUID(),
    });
  } catch (err) {
    if (!(err instanceof ScenarioError || err instanceof ConfigError)) throw err;
    console.error(`npm run local: ${err.message.split('\n')[0]}`);
    return EXIT.usage;
  }

  const assemblyDirectory = join(LOCAL_DIR, `cdk.out-${options.stage}`);
  if (!options.synth && !existsSync(join(assemblyDirectory, 'manifest.json'))) {
    console.error(
      `npm run local: --no-synth, but stage ${options.stage} was never synthesized here (${assemblyDirectory}): run once without --no-synth.`,
    );
    return EXIT.usage;
  }

  const controller = new AbortController();
  let interruptCode: number | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // Second Ctrl-C: leave now. The exit hook of emulator.ts still kills moto; the workers exit when
      // their IPC channel to this process closes.
      if (controller.signal.aborted) process.exit(EXIT.interrupted);
      interruptCode = signal === 'SIGINT' ? EXIT.interrupted : 143;
      display.end();
      say('stopping everything this run started (Ctrl-C again to force)');
      controller.abort();
    });
  }

  let pipeline: LocalPipeline | undefined;
  let driver: DemoDriver | undefined;
  let logRequests = options.verbose;
  try {
    try {
      pipeline = await startLocalPipeline({
        stage: options.stage,
        synth: options.synth,
        // One assembly per stage: --no-synth cannot deploy another stage's, and the integration suite's
        // assemblies are left alone.
        assemblyDirectory,
        emulator: { port: options.port },
        ifExists: options.replace ? 'replace' : 'fail',
        signal: controller.signal,
        onProgress: say,
        httpApi: {
          port: options.apiPort,
          issuerFile: JWT_ISSUER_FILE,
          onRequest: (r) => {
            if (!logRequests) return;
            const reason = r.reason ? `  (${r.reason})` : '';
            say(`${r.api} ${r.method} ${r.url} ${r.status} ${r.ms} ms${reason}`);
          },
        },
        runner: {
          maxConcurrencyPerMapping: options.concurrency ?? defaultConcurrency(),
          onInvocation: options.verbose ? (r) => say(describeInvocation(r)) : undefined,
          onLog: options.logs ? (fn, line) => display.line(`  ${fn} | ${line}`) : undefined,
        },
      });
    } catch (err) {
      if (interruptCode !== undefined) return interruptCode;
      for (const line of faultLines(err, options)) console.error(line);
      return EXIT.fault;
    }
    const { timings } = pipeline;
    say(
      `up in ${formatDuration(Date.now() - started)}: moto ${formatDuration(timings.emulatorMs)}, ` +
        `synth ${formatDuration(timings.synthMs)}, deploy ${formatDuration(timings.deployMs)}`,
    );
    if (interruptCode !== undefined) return interruptCode;

    driver = new DemoDriver(pipeline.emulator.clientConfig, demoTargets(pipeline.deployment), {
      api: orderApiUrl(pipeline),
    });
    const runner = pipeline.runner;
    let result: RunResult;
    try {
      result = await driver.run(scenario, {
        deadlineMs: deadlineFor(options),
        onProgress: say,
        onStatus: (s) => {
          const invocations = runner ? ` · ${runner.stats().invocations} invocations` : '';
          display.status(`${stamp()} ${formatStatus(s)}${invocations}`);
        },
        signal: controller.signal,
      });
    } catch (err) {
      display.end();
      if (interruptCode !== undefined) return interruptCode;
      console.error(`npm run local: the demo could not run: ${(err as Error).message.split('\n')[0]}`);
      return EXIT.fault;
    }
    display.end();
    if (interruptCode !== undefined) {
      const final = scenario.orders.filter((o) =>
        isFinal(result.observation.orders.get(o.order.orderId)),
      ).length;
      say(`interrupted: ${final}/${scenario.orders.length} orders had reached a final state`);
      return interruptCode;
    }
    for (const line of formatReport(scenario, result, { ...timings, wallMs: Date.now() - started })) {
      console.log(line);
    }
    if (!result.outcome.passed && runner) {
      const errors = runner.stats().functions.filter((f) => f.lastError);
      if (errors.length > 0)
        console.log('last error the runner saw per function (the malformed event fails by design):');
      for (const f of errors) console.log(`  ${f.shortName}: ${f.lastError}`);
    }
    const code = result.outcome.passed ? EXIT.passed : EXIT.failed;

    if (options.keep) {
      for (const line of keepInstructions(pipeline, scenario, result)) console.log(line);
      for (const line of await apiInstructions(pipeline, scenario, result)) console.log(line);
      writeEndpoints(
        ENDPOINTS_FILE,
        endpointsOf({
          apis: pipeline.httpApis?.apis ?? [],
          aws: pipeline.emulator.endpoint,
          stage: options.stage,
          region: pipeline.emulator.region,
          jwtIssuerFile: JWT_ISSUER_FILE,
        }),
      );
      console.log(`ready: ${ENDPOINTS_FILE} lists the endpoints`);
      logRequests = true;
      await new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve()));
      // Ctrl-C is how --keep ends: the exit code is still the outcome's.
    }
    return code;
  } finally {
    if (options.keep) removeEndpoints(ENDPOINTS_FILE);
    driver?.destroy();
    if (pipeline) {
      const stopping = Date.now();
      await pipeline.stop();
      say(
        `stopped ${pipeline.emulator.owned ? 'moto and ' : ''}the Lambda runner in ${formatDuration(Date.now() - stopping)}`,
      );
    }
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    display.end();
    console.error(`npm run local: ${(err as Error).stack ?? err}`);
    process.exit(EXIT.fault);
  },
);
