/**
 * `npm run bench`: throughput, latency, AWS calls and cost per million orders, measured on this machine
 * with the machinery of `npm run local` (moto, the deployed stage, the local Lambda runner).
 * `npm run bench -- --help` lists the flags.
 *
 *   cli.ts           the command line           phase-runner.ts  one measured phase (fresh runner, load, settle)
 *   pipeline-phase.ts  floor-phase.ts  light-load-phase.ts: the phases;  follow.ts  waiting for final states
 *   measure.ts       per-invocation ledger      callers.ts  the emulator's counts by caller
 *   minimum.ts       the fewest calls a hop needs             faults.ts   lost / duplicated / DLQ
 *   cpu.ts           the emulator's, the runner's and this process's CPU per phase
 *   result.ts        the JSON figures           cost.ts     list-price cost
 *   report.ts        terminal and Markdown      chart.ts    the SVG chart     floor/   the floor handler
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { EmulatorError } from '@order-pipeline/local-cloud/emulator';
import {
  LOCAL_DIR,
  type LocalPipeline,
  startLocalPipeline,
} from '@order-pipeline/local-cloud/local-pipeline';
import { buildSync } from 'esbuild';
import { ConfigError, loadStageConfig } from '../../../../lib/config';
import { DEFAULT_STAGE } from '../demo/cli';
import { eventsOf } from '../demo/expectations';
import { ProgressDisplay } from '../demo/progress';
import { callerOf } from './callers';
import { renderChart } from './chart';
import {
  type BenchOptions,
  DEFAULT_LIGHT_EVERY_SECONDS,
  DEFAULT_LIGHT_ORDERS,
  parseBenchCli,
  SCALING_FACTOR,
} from './cli';
import { capacityBehindTheBus } from './cost-scope';
import { faultReport } from './faults';
import { runFloorPhase } from './floor-phase';
import { runLightLoadPhase } from './light-load-phase';
import { minimumCallsPerOrder, ruleRoutes } from './minimum';
import type { PhaseContext } from './phase-runner';
import { runPipelinePhase } from './pipeline-phase';
import { platformLogBytesPerInvocation } from './platform-logs';
import { chartInput, formatSummary, markdownFigures, replaceBlock } from './report';
import { type BenchResult, buildResult, capacityByTable, requiredResultKeys } from './result';

const PROJECT_ROOT = resolve(__dirname, '..', '..', '..', '..');

/** Exit codes of `npm run bench`. */
const EXIT = { passed: 0, failed: 1, usage: 2, fault: 3 } as const;

/**
 * X-Ray's default sampling rule records the first request each second and 5 % of the rest; at the
 * volumes cost per million orders is about, the 5 % is what counts.
 */
const XRAY_SAMPLE_RATE = 0.05;

/** The function behind `POST /orders`: its write of the order is part of the pipeline's cost. */
const ORDER_PLACER = 'place-order';

const started = Date.now();
const display = new ProgressDisplay(process.stdout);
const say = (line: string) =>
  display.line(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}`);

function machine(): string {
  let moto = 'moto ?';
  try {
    moto = `moto ${execFileSync('python3', ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8' }).trim()}`;
  } catch {
    // Reported as unknown: the emulator's own start check says what is missing.
  }
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${availableParallelism()} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${moto}`;
}

/** The floor handler as the runner loads it: one CommonJS file, bundled like the functions. */
function buildFloor(): string {
  const dir = join(LOCAL_DIR, 'bench', 'floor');
  buildSync({
    entryPoints: [join(__dirname, 'floor', 'handler.ts')],
    outfile: join(dir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    logLevel: 'silent',
  });
  return dir;
}

interface FunctionResource {
  readonly Type?: string;
  readonly Properties?: {
    readonly MemorySize?: number;
    readonly Architectures?: readonly string[];
    readonly Environment?: { readonly Variables?: Readonly<Record<string, unknown>> };
    readonly LoggingConfig?: { readonly SystemLogLevel?: string };
  };
}

/**
 * Memory, architecture and the bytes Lambda logs per invocation of every function of the app, by the
 * short name the runner gives it.
 */
function functionConfig(pipeline: LocalPipeline) {
  const config = new Map<
    string,
    { memoryMb: number; architecture: 'arm64' | 'x86_64'; platformLogBytesPerInvocation: number }
  >();
  for (const stack of pipeline.deployment.stacks) {
    const resources = (stack.template as { Resources?: Record<string, FunctionResource> }).Resources ?? {};
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const name = resource.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME;
      config.set(typeof name === 'string' ? name : logicalId, {
        // Lambda's default when the template leaves it out.
        memoryMb: resource.Properties?.MemorySize ?? 128,
        architecture: resource.Properties?.Architectures?.[0] === 'arm64' ? 'arm64' : 'x86_64',
        // Lambda's default system log level is INFO.
        platformLogBytesPerInvocation: platformLogBytesPerInvocation(
          resource.Properties?.LoggingConfig?.SystemLogLevel === 'WARN' ? 'WARN' : 'INFO',
        ),
      });
    }
  }
  return config;
}

type Resource = { Type?: string; Properties?: { Metrics?: { MetricStat?: unknown }[] } };

function resourcesOfType(pipeline: LocalPipeline, type: string): Resource[] {
  return pipeline.deployment.stacks
    .flatMap((s) => Object.values((s.template as { Resources?: Record<string, Resource> }).Resources ?? {}))
    .filter((r) => r.Type === type);
}

function countResources(pipeline: LocalPipeline, type: string): number {
  return resourcesOfType(pipeline, type).length;
}

/** CloudWatch bills an alarm per metric it reads: one, or each metric its metric math expression uses. */
function alarmMetrics(pipeline: LocalPipeline): number {
  return resourcesOfType(pipeline, 'AWS::CloudWatch::Alarm').reduce((n, alarm) => {
    const used = (alarm.Properties?.Metrics ?? []).filter((m) => m.MetricStat !== undefined).length;
    return n + Math.max(used, 1);
  }, 0);
}

function commandLine(options: BenchOptions): string {
  const flags = [`--orders ${options.orders}`];
  if (options.faultRate > 0) flags.push(`--fault-rate ${options.faultRate}`);
  if (options.poisonRate > 0) flags.push(`--poison-rate ${options.poisonRate}`);
  flags.push(options.backlog === undefined ? '--burst' : `--backlog ${options.backlog}`);
  if (!options.floor) flags.push('--no-floor');
  if (!options.scaling) flags.push('--no-scaling');
  if (options.lightOrders !== DEFAULT_LIGHT_ORDERS) {
    flags.push(options.lightOrders === 0 ? '--no-light' : `--light ${options.lightOrders}`);
  }
  if (options.lightOrders > 0 && options.lightIntervalMs !== DEFAULT_LIGHT_EVERY_SECONDS * 1000) {
    flags.push(`--light-every ${options.lightIntervalMs / 1000}`);
  }
  if (options.stage !== DEFAULT_STAGE) flags.push(`--stage ${options.stage}`);
  return `npm run bench -- ${flags.join(' ')}`;
}

async function measure(options: BenchOptions, pipeline: LocalPipeline): Promise<BenchResult> {
  // Through the front door: each phase serves the HTTP API with its own runner (bench/api-door.ts).
  const ctx: PhaseContext = {
    analyticsSoFar: { totals: {}, products: {} },
    pipeline,
    policy: loadStageConfig(options.stage),
    concurrency: options.concurrency ?? availableParallelism(),
    backlog: options.backlog,
    say,
    status: (line) => display.status(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}`),
  };
  const baseOrders = Math.max(1, Math.round(options.orders / SCALING_FACTOR));
  let base: Awaited<ReturnType<typeof runPipelinePhase>> | undefined;
  if (options.scaling) {
    say(`scaling base: ${baseOrders} orders`);
    base = await runPipelinePhase(ctx, 'base', baseOrders, 0);
    display.end();
  }
  const poisonCount = Math.round(options.orders * options.poisonRate);
  say(`pipeline: ${options.orders} orders${poisonCount > 0 ? ` and ${poisonCount} poison events` : ''}`);
  const main = await runPipelinePhase(ctx, 'pipeline', options.orders, poisonCount);
  display.end();
  let light: Awaited<ReturnType<typeof runLightLoadPhase>> | undefined;
  if (options.lightOrders > 0) {
    say(`light load: ${options.lightOrders} orders, one every ${options.lightIntervalMs / 1000} s`);
    light = await runLightLoadPhase(ctx, options.lightOrders, options.lightIntervalMs);
    display.end();
  }
  let floor: Awaited<ReturnType<typeof runFloorPhase>> | undefined;
  if (options.floor) {
    say(`floor: ${options.orders} orders through handlers that only make a hop's unavoidable calls`);
    floor = await runFloorPhase(ctx, options.orders, buildFloor());
    display.end();
  }

  const functionNames = new Set(main.ledger.functions.keys());
  const frontDoor = main.ledger.frontDoorFunctions();
  const ordersTable = pipeline.deployment.stacks.find((s) => s.outputs.OrdersTableName)?.outputs
    .OrdersTableName;
  const capacity = main.emulatorDelta.dynamodb.filter((row) => functionNames.has(callerOf(row.caller)));
  const fulfilled = main.scenario.orders.filter((o) => o.kind === 'fulfilled').length;
  const statuses = new Map([...main.run.observation.orders].map(([id, o]) => [id, o.status]));
  const faults =
    options.faultRate > 0 || options.poisonRate > 0
      ? faultReport({
          faultRate: options.faultRate,
          poisonRate: options.poisonRate,
          injected: main.ledger.injectedFaults,
          scenario: main.scenario,
          outcome: main.run.outcome,
          statuses,
          orderIds: main.run.orderIds,
          histories: main.histories,
          poison: main.poison,
          deadLetterBodies: main.deadLetterBodies,
          poisonQueueKey: 'ValidateOrderDlqUrl',
        })
      : undefined;
  return buildResult({
    date: new Date(),
    command: commandLine(options),
    machine: machine(),
    main: { ...main, happyOrders: fulfilled, failureOrders: options.orders - fulfilled + poisonCount },
    floor,
    base,
    light,
    minimum: minimumCallsPerOrder(
      eventsOf({ status: 'FULFILLED' }),
      ruleRoutes(pipeline.deployment.stacks.map((s) => s.template as never)),
    ),
    functionConfig: functionConfig(pipeline),
    dynamoDb: capacityByTable(capacity, pipeline.deployment.stacks),
    dynamoDbBehindTheBus: capacityByTable(
      capacityBehindTheBus(
        capacity,
        (row) => (frontDoor.has(callerOf(row.caller)) ? callerOf(row.caller) : undefined),
        { writer: ORDER_PLACER, table: ordersTable },
      ),
      pipeline.deployment.stacks,
    ),
    tracingSampleRate: XRAY_SAMPLE_RATE,
    alarms: alarmMetrics(pipeline),
    dashboards: countResources(pipeline, 'AWS::CloudWatch::Dashboard'),
    outcomePassed: main.run.outcome.passed && (light?.mismatches.length ?? 0) === 0,
    problems: [
      ...main.run.outcome.problems,
      ...main.run.outcome.orderMismatches
        .slice(0, 5)
        .map((m) => `${m.orderId} ended ${m.actual?.status ?? 'nowhere'}`),
      ...(light?.mismatches.slice(0, 5).map((m) => `light load: ${m}`) ?? []),
    ],
    faults,
  });
}

/**
 * Where a result goes without --out: under .local/, or beside the docs when --update-docs links to it, so
 * the README and docs/capacity.md never link to a file that is not committed.
 */
function defaultOutFile(options: BenchOptions): string {
  const kind = options.faultRate > 0 || options.poisonRate > 0 ? 'faults' : 'bench';
  const dir = options.updateDocs ? join(PROJECT_ROOT, 'docs', 'bench') : join(LOCAL_DIR, 'bench');
  return join(dir, `${kind}-${options.orders}.json`);
}

/** A run with faults or poison has its own block beside the plain run's. */
function updateDocs(result: BenchResult, jsonPath: string, svgPath: string): void {
  const suffix = result.faults ? '-faults' : '';
  for (const [file, block] of [
    ['README.md', `bench${suffix}`],
    [join('docs', 'capacity.md'), `measured${suffix}`],
  ] as const) {
    const path = join(PROJECT_ROOT, file);
    const link = (target: string) => relative(dirname(path), target).split('\\').join('/');
    const content = `${markdownFigures(result)}\n\n![latency and throughput](${link(svgPath)}) · [result](${link(jsonPath)})`;
    writeFileSync(path, replaceBlock(readFileSync(path, 'utf8'), block, content));
    say(`updated ${file}`);
  }
}

function passed(result: BenchResult, options: BenchOptions): boolean {
  const f = result.faults;
  const shape = requiredResultKeys.safeParse(result);
  if (!shape.success) {
    for (const issue of shape.error.issues) console.error(`result.${issue.path.join('.')}: ${issue.message}`);
  }
  const faultsOn = options.faultRate > 0 || options.poisonRate > 0;
  return (
    shape.success &&
    (f !== undefined) === faultsOn &&
    result.outcomePassed &&
    (f === undefined || (f.lost === 0 && f.duplicated === 0 && f.poisonInDlq === f.poisonSent))
  );
}

async function main(): Promise<number> {
  const parsed = parseBenchCli(process.argv.slice(2));
  if (parsed.kind === 'help') {
    process.stdout.write(parsed.text);
    return EXIT.passed;
  }
  if (parsed.kind === 'usage-error') {
    console.error(`npm run bench: ${parsed.message}`);
    console.error('npm run bench -- --help lists the flags');
    return EXIT.usage;
  }
  const options = parsed.options;
  try {
    loadStageConfig(options.stage, { randomFaultRate: options.faultRate });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`npm run bench: ${err.message}`);
    return EXIT.usage;
  }
  const jsonPath = resolve(options.out ?? defaultOutFile(options));
  const svgPath = jsonPath.replace(/\.json$/, '.svg');

  let pipeline: LocalPipeline | undefined;
  try {
    try {
      pipeline = await startLocalPipeline({
        stage: options.stage,
        context: options.faultRate > 0 ? { faultRate: String(options.faultRate) } : undefined,
        // Its own assembly: the fault rate is part of the synthesized configuration.
        assemblyDirectory: join(LOCAL_DIR, options.faultRate > 0 ? 'cdk.out-bench-faults' : 'cdk.out-bench'),
        emulator: { port: options.port },
        startRunner: false,
        onProgress: say,
      });
    } catch (err) {
      const [first = ''] = String((err as Error).message ?? err).split('\n');
      console.error(
        `npm run bench: ${err instanceof EmulatorError ? first : `could not start the local pipeline: ${first}`}`,
      );
      return EXIT.fault;
    }
    const result = await measure(options, pipeline);
    mkdirSync(dirname(jsonPath), { recursive: true });
    writeFileSync(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(svgPath, renderChart(chartInput(result)));
    for (const line of formatSummary(result)) console.log(line);
    console.log(`\nwrote ${relative(process.cwd(), jsonPath)} and ${relative(process.cwd(), svgPath)}`);
    if (options.updateDocs) updateDocs(result, jsonPath, svgPath);
    return passed(result, options) ? EXIT.passed : EXIT.failed;
  } finally {
    display.end();
    await pipeline?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    display.end();
    console.error(`npm run bench: ${(err as Error).stack ?? err}`);
    process.exit(EXIT.fault);
  },
);
