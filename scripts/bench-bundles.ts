import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { wholeNumber } from '@order-pipeline/drive/cli-options';
import { type LambdaNode, lambdaNodeFor } from '@order-pipeline/local-cloud/lambda-node';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { type BuildOptions, build, version as esbuildVersion, type Metafile } from 'esbuild';
import {
  CONSUMER_ESBUILD_TARGET,
  CONSUMER_RUNTIME,
  functionBundling,
} from '../lib/constructs/event-consumer';
import { breakdown, formatBreakdown } from './bench-bundles/breakdown';
import { esbuildOptionsFor } from './bench-bundles/bundling';
import { handlerEntries, lambdaLikeEnv } from './bench-bundles/environment';
import { assertValgrind, INSTRUCTION_RUNS, requireInstructions } from './bench-bundles/instructions';
import {
  type InitSample,
  type MeasureOptions,
  measureOnce,
  median,
  nodeVersion,
} from './bench-bundles/measure';
import { formatTable, type Variant, type VariantResult } from './bench-bundles/report';
import { baselineSource, sdkPackagesImportedBy, sdkPackagesWithClients } from './bench-bundles/sdk-baseline';

/**
 * Bundle size and cold-start module init of every Lambda function (lambda/handlers and its `api/`
 * folder), bundled with the `functionBundling` that every NodejsFunction of the app deploys with
 * (lib/constructs/event-consumer.ts), without the Powertools Tracer as every stage but prod deploys it,
 * beside three references:
 * - baseline: a bundle that only imports and instantiates the AWS SDK clients the handler uses, so
 *   the difference is what our code, zod and Powertools cost;
 * - sdk-external: the handler with `@aws-sdk/*` left out, as if taken from the Lambda runtime;
 * - handler-tracer: the handler as stages with `powertoolsTracer` deploy it (the X-Ray SDK loaded at init).
 * `--breakdown` instead times the baseline plus one part at a time (scripts/bench-bundles/breakdown.ts).
 * `--instructions` also counts each variant's instructions with valgrind, a figure the machine's load
 * hardly moves (scripts/bench-bundles/instructions.ts).
 *
 * `npm run bench:bundles [-- --runs 7 --handler take-payment --target node24 --node /path/to/node --instructions]`
 * Prints a markdown table and writes bench-results/bundles.json. Timings depend on the machine and
 * belong here, never in tests.
 */

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HANDLERS_DIR = join(PROJECT_ROOT, 'lambda', 'handlers');
const RESULTS_DIR = join(PROJECT_ROOT, 'bench-results');

/**
 * The deployed target. The deployed functions run with `NODE_OPTIONS=--enable-source-maps`, so init is
 * measured with it.
 */
export const DEFAULT_TARGET = CONSUMER_ESBUILD_TARGET;
export const DEFAULT_RUNS = 7;

export interface BenchOptions {
  readonly runs: number;
  readonly target: string;
  /** Handler names (file names without `.ts`); all when empty. */
  readonly handlers: readonly string[];
  readonly enableSourceMaps: boolean;
  /**
   * The Node.js that runs the bundles. Undefined: the functions' runtime major, as `npm run local` runs
   * them (tools/local-cloud/src/lambda-node.ts: the npm package's official binary).
   */
  readonly node: string | undefined;
  /** Instead of the variants: the baseline plus one piece at a time (scripts/bench-bundles/breakdown.ts). */
  readonly breakdown: boolean;
  /** Also count each variant's instructions with valgrind (scripts/bench-bundles/instructions.ts). */
  readonly instructions: boolean;
}

function target(value: string): string {
  if (!/^node\d+$/.test(value))
    throw new InvalidArgumentError('Expected node and a major version, e.g. node24.');
  return value;
}

/** `--handler a,b --handler c`: repeated, comma-separated, or both. */
function handlerNames(value: string, previous: readonly string[]): string[] {
  return [...previous, ...value.split(',').filter(Boolean)];
}

/**
 * Parses the command line (without node and the script); a bad one throws a CommanderError whose message
 * is one line naming the option, and `--help` one with exit code 0 after printing the help.
 */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const program = new Command('npm run bench:bundles --')
    .description(
      'Bundle size and cold-start module init of every Lambda function, beside an SDK-only baseline.',
    )
    .addOption(
      new Option('--runs <N>', 'measured runs per variant')
        .argParser(wholeNumber(1, 1_000))
        .default(DEFAULT_RUNS),
    )
    .addOption(
      new Option('--handler <NAME>', 'a function of lambda/handlers (repeatable, or comma-separated)')
        .argParser(handlerNames)
        .default([], 'all'),
    )
    .addOption(
      new Option('--target <nodeNN>', 'esbuild target of the bundles')
        .argParser(target)
        .default(DEFAULT_TARGET),
    )
    .addOption(
      new Option('--node <PATH>', 'the Node.js that runs the bundles').default(
        undefined,
        `the functions' runtime (${CONSUMER_RUNTIME.name}), as npm run local runs it`,
      ),
    )
    .addOption(
      new Option(
        '--no-source-maps',
        'measure without --enable-source-maps, which the deployed functions set',
      ),
    )
    .option('--breakdown', 'instead of the variants: the baseline plus one piece at a time')
    .option(
      '--instructions',
      `also count each variant's instructions with valgrind (median of ${INSTRUCTION_RUNS}; slow, steady under load)`,
    )
    .allowExcessArguments(false)
    .exitOverride()
    // The caller prints the error's message: one line, prefixed with the command.
    .configureOutput({ writeErr: () => {} });
  program.parse([...argv], { from: 'user' });
  const flags = program.opts<{
    runs: number;
    handler: string[];
    target: string;
    node?: string;
    sourceMaps: boolean;
    breakdown?: boolean;
    instructions?: boolean;
  }>();
  return {
    runs: flags.runs,
    target: flags.target,
    handlers: flags.handler,
    enableSourceMaps: flags.sourceMaps,
    node: flags.node,
    breakdown: flags.breakdown ?? false,
    instructions: flags.instructions ?? false,
  };
}

/**
 * The deployed bundling of a function (`bundleAwsSdk` and `powertoolsTracer` as `EventConsumer` and
 * `OrderApi` pass them; the tracer only for stages that enable it, lib/config.ts).
 */
export function deployedEsbuildOptions(
  target: string,
  bundleAwsSdk: boolean,
  powertoolsTracer = false,
): BuildOptions {
  return { ...esbuildOptionsFor(functionBundling(bundleAwsSdk, powertoolsTracer)), target };
}

async function bundle(
  source: { entry: string } | { contents: string; name: string },
  outfile: string,
  options: BuildOptions,
): Promise<Metafile> {
  const common: BuildOptions = {
    ...options,
    outfile,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: PROJECT_ROOT,
  };
  const result = await build(
    'entry' in source
      ? { ...common, entryPoints: [source.entry] }
      : {
          ...common,
          stdin: {
            contents: source.contents,
            resolveDir: PROJECT_ROOT,
            sourcefile: source.name,
            loader: 'ts',
          },
        },
  );
  if (!result.metafile) throw new Error(`esbuild returned no metafile for ${outfile}`);
  return result.metafile;
}

interface Built {
  readonly variant: Variant;
  readonly file: string;
  readonly sdkPackages: readonly string[];
}

/** The handler's bundle and its baseline, from which a breakdown starts. */
interface BuiltHandler {
  readonly dir: string;
  readonly deployed: BuildOptions;
  readonly handlerFile: string;
  readonly metafile: Metafile;
  readonly sdkPackages: readonly string[];
  readonly baselineFile: string;
  readonly baselineSource: string;
}

async function buildHandlerAndBaseline(name: string, entry: string, target: string): Promise<BuiltHandler> {
  const dir = join(RESULTS_DIR, 'bundles', name);
  rmSync(dir, { recursive: true, force: true });
  const deployed = deployedEsbuildOptions(target, true);

  const handlerFile = join(dir, 'handler', 'index.js');
  const metafile = await bundle({ entry }, handlerFile, deployed);
  const sdkPackages = sdkPackagesImportedBy(metafile);

  const baselineFile = join(dir, 'baseline', 'index.js');
  const source = baselineSource(sdkPackagesWithClients(PROJECT_ROOT, sdkPackages));
  mkdirSync(dirname(baselineFile), { recursive: true });
  writeFileSync(join(dir, 'baseline', 'entry.ts'), source);
  await bundle({ contents: source, name: `${name}-baseline.ts` }, baselineFile, deployed);
  return { dir, deployed, handlerFile, metafile, sdkPackages, baselineFile, baselineSource: source };
}

async function buildVariants(name: string, entry: string, target: string): Promise<Built[]> {
  const { dir, handlerFile, sdkPackages, baselineFile } = await buildHandlerAndBaseline(name, entry, target);

  // Resolved at run time from the project's node_modules (the bundle lives below it); on Lambda the
  // runtime's own copy would answer, whose version we do not control.
  const externalFile = join(dir, 'sdk-external', 'index.js');
  await bundle({ entry }, externalFile, deployedEsbuildOptions(target, false));

  // As stages with `powertoolsTracer` (prod) deploy it: the X-Ray SDK loaded at init.
  const tracerFile = join(dir, 'handler-tracer', 'index.js');
  await bundle({ entry }, tracerFile, deployedEsbuildOptions(target, true, true));

  return [
    { variant: 'handler', file: handlerFile, sdkPackages },
    { variant: 'baseline', file: baselineFile, sdkPackages },
    { variant: 'sdk-external', file: externalFile, sdkPackages },
    { variant: 'handler-tracer', file: tracerFile, sdkPackages },
  ];
}

const sizeOf = (file: string): number => statSync(file).size;

async function benchHandler(
  name: string,
  entry: string,
  options: BenchOptions & { readonly node: string },
): Promise<VariantResult[]> {
  const built = await buildVariants(name, entry, options.target);
  const measure: MeasureOptions = {
    node: options.node,
    enableSourceMaps: options.enableSourceMaps,
    env: lambdaLikeEnv(name, options.target),
  };
  const samples = new Map<Variant, InitSample[]>(built.map((b) => [b.variant, []]));

  // One discarded run each warms the file cache; then the variants alternate, so a slow phase of the
  // machine hits all of them alike instead of skewing one.
  for (const b of built) measureOnce(b.file, measure);
  for (let run = 0; run < options.runs; run++) {
    for (const b of built) samples.get(b.variant)?.push(measureOnce(b.file, measure));
  }

  const instructions = options.instructions
    ? await requireInstructions(
        built.map((b) => b.file),
        measure,
        join(RESULTS_DIR, 'bundles', name),
      )
    : undefined;

  return built.map((b) => {
    const own = samples.get(b.variant) ?? [];
    return {
      handler: name,
      variant: b.variant,
      bundleBytes: sizeOf(b.file),
      gzipBytes: gzipSync(readFileSync(b.file)).length,
      sourceMapBytes: sizeOf(`${b.file}.map`),
      sdkPackages: b.sdkPackages,
      requireMsMedian: median(own.map((s) => s.requireMs)),
      requireCpuMsMedian: median(own.map((s) => s.requireCpuMs)),
      sinceStartMsMedian: median(own.map((s) => s.sinceStartMs)),
      ...(instructions === undefined ? {} : { requireInstructions: instructions.get(b.file) }),
      samples: own,
    };
  });
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // --help ends here too, with exit code 0.
    if (err.exitCode !== 0) {
      console.error(`npm run bench:bundles: ${err.message.replace(/^error: /, '').replaceAll('\n', ' ')}`);
      process.exitCode = 2;
    }
    return;
  }
  const all = handlerEntries(HANDLERS_DIR);
  const selected = options.handlers.length > 0 ? all.filter((h) => options.handlers.includes(h.name)) : all;
  const unknown = options.handlers.filter((h) => !all.some((e) => e.name === h));
  if (unknown.length > 0) throw new Error(`no handler named ${unknown.join(', ')} in lambda/handlers/`);
  if (selected.length === 0) throw new Error('no handlers in lambda/handlers/ to measure');
  if (options.instructions) assertValgrind();
  // The runs behind each instruction count, for the tables' headings; undefined when none were counted.
  const instructionRuns = options.instructions ? INSTRUCTION_RUNS : undefined;
  const runtimeNode = options.node === undefined ? lambdaNodeFor(CONSUMER_RUNTIME.name) : undefined;
  if (runtimeNode?.warning) process.stderr.write(`${runtimeNode.warning}\n`);
  const nodePath = options.node ?? (runtimeNode as LambdaNode).executable;
  const node = nodeVersion(nodePath);

  if (options.breakdown) {
    const rows = [];
    for (const { name, entry } of selected) {
      process.stderr.write(`breaking down ${name} (${options.runs} runs per entry)\n`);
      const built = await buildHandlerAndBaseline(name, entry, options.target);
      const measure = {
        node: nodePath,
        enableSourceMaps: options.enableSourceMaps,
        env: lambdaLikeEnv(name, options.target),
      };
      rows.push(
        ...(await breakdown({
          ...built,
          handler: name,
          projectRoot: PROJECT_ROOT,
          runs: options.runs,
          measure,
          instructions: options.instructions,
        })),
      );
    }
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(
      join(RESULTS_DIR, 'bundles-breakdown.json'),
      `${JSON.stringify({ measuredAt: new Date().toISOString(), node, runs: options.runs, rows }, null, 2)}\n`,
    );
    console.log(formatBreakdown(rows, options.runs, instructionRuns));
    return;
  }

  const results: VariantResult[] = [];
  for (const { name, entry } of selected) {
    process.stderr.write(`measuring ${name} (${options.runs} runs per variant)\n`);
    results.push(...(await benchHandler(name, entry, { ...options, node: nodePath })));
  }

  mkdirSync(RESULTS_DIR, { recursive: true });
  const report = {
    measuredAt: new Date().toISOString(),
    node,
    platform: `${process.platform}-${process.arch}`,
    esbuild: esbuildVersion,
    target: options.target,
    runs: options.runs,
    enableSourceMaps: options.enableSourceMaps,
    instructionRuns,
    note:
      'sdk-external resolves @aws-sdk from node_modules; on Lambda the runtime copy answers. ' +
      'Local timings compare variants; they are not Lambda cold starts.',
    results,
  };
  writeFileSync(join(RESULTS_DIR, 'bundles.json'), `${JSON.stringify(report, null, 2)}\n`);

  console.log(formatTable(results, options.runs, instructionRuns));
  console.log(
    `\nNode ${node} on ${report.platform}, esbuild ${esbuildVersion}, target ${options.target}` +
      `${options.enableSourceMaps ? ', --enable-source-maps' : ''}. Full samples: bench-results/bundles.json`,
  );
}

// Run only as a script (`npm run bench:bundles`), not when a test imports the helpers.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
