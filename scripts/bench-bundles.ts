import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, version as esbuildVersion, type Metafile } from 'esbuild';

/**
 * Bundle size and cold-start module init of every Lambda handler, bundled the way the `EventConsumer`
 * construct has CDK's NodejsFunction bundle it, beside two references:
 * - baseline: a bundle that only imports and instantiates the AWS SDK clients the handler uses, so
 *   the difference is what our code, zod and Powertools cost;
 * - sdk-external: the handler with `@aws-sdk/*` left out, as if taken from the Lambda runtime.
 *
 * `npm run bench:bundles [-- --runs 7 --handler take-payment --target node24]`
 * Prints a markdown table and writes bench-results/bundles.json. Timings depend on the machine and
 * belong here, never in tests.
 */

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HANDLERS_DIR = join(PROJECT_ROOT, 'lambda', 'handlers');
const RESULTS_DIR = join(PROJECT_ROOT, 'bench-results');

/**
 * Mirrors the `bundling` of lib/constructs/event-consumer.ts: esbuild target of the pinned runtime
 * (CONSUMER_ESBUILD_TARGET), minified, external source map without sources, AWS SDK bundled.
 * The deployed functions run with `NODE_OPTIONS=--enable-source-maps`, so init is measured with it.
 */
export const DEFAULT_TARGET = 'node24';
export const DEFAULT_RUNS = 7;

/**
 * Every variable a handler reads at init, with harmless values. Names from docs/design.md
 * ("Handler configuration", read through `readEnv` in lambda/adapters/env.ts) and what Lambda itself
 * sets; the values only have to pass that parsing.
 * Credentials are dummies so nothing looks for a profile; init must not call AWS anyway.
 */
export function lambdaLikeEnv(functionName: string, target: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TZ: ':UTC',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCHMARKONLY',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    AWS_SESSION_TOKEN: 'bench-token',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_LAMBDA_LOG_FORMAT: 'JSON',
    AWS_LAMBDA_LOG_LEVEL: 'INFO',
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${target.replace(/^node/, '')}.x`,
    _HANDLER: 'index.handler',
    EVENT_BUS_NAME: 'orders-bench',
    ORDERS_TABLE: 'orders-bench',
    INVENTORY_TABLE: 'inventory-bench',
    ANALYTICS_TABLE: 'analytics-bench',
    STAGE: 'dev',
    PRODUCTION: 'false',
    CURRENCIES: '["EUR"]',
    MAX_ORDER_AMOUNT: '1000000',
    PAYMENT_DECLINE_RULES: '[]',
    FAULT_RULES: '[]',
    ANALYTICS_SHARDS: '8',
    SEEN_MARKER_TTL_DAYS: '30',
    POWERTOOLS_SERVICE_NAME: functionName,
    POWERTOOLS_METRICS_NAMESPACE: 'OrderPipelineBench',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  };
}

export type Variant = 'handler' | 'baseline' | 'sdk-external';

export interface BenchOptions {
  readonly runs: number;
  readonly target: string;
  /** Handler names (file names without `.ts`); all when empty. */
  readonly handlers: readonly string[];
  readonly enableSourceMaps: boolean;
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      runs: { type: 'string', default: String(DEFAULT_RUNS) },
      target: { type: 'string', default: DEFAULT_TARGET },
      handler: { type: 'string', multiple: true, default: [] },
      'no-source-maps': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a whole number >= 1, got ${values.runs}`);
  if (!/^node\d+$/.test(values.target))
    throw new Error(`--target must look like node24, got ${values.target}`);
  return {
    runs,
    target: values.target,
    handlers: values.handler.flatMap((h) => h.split(',')).filter(Boolean),
    enableSourceMaps: !values['no-source-maps'],
  };
}

/** One entry per handler file; tests and type declarations are not functions. */
export function handlerEntries(dir: string): { name: string; entry: string }[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
    .sort()
    .map((f) => ({ name: basename(f, '.ts'), entry: join(dir, f) }));
}

/** `@aws-sdk/client-dynamodb/dist-cjs/x` -> `@aws-sdk/client-dynamodb`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

const SDK_INTERNAL = /(^|\/)node_modules\/(@aws-sdk|@smithy)\//;

/**
 * The `@aws-sdk/*` packages a bundle imports from outside the SDK: our code (through any depth of
 * our modules) and third-party libraries. Imports made by SDK packages themselves (credential
 * providers, nested clients) are the client's own cost, so they are left to the clients.
 */
export function sdkPackagesImportedBy(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const [inputPath, input] of Object.entries(metafile.inputs)) {
    if (SDK_INTERNAL.test(inputPath)) continue;
    for (const imported of input.imports) {
      const specifier = imported.original ?? imported.path;
      if (specifier.startsWith('@aws-sdk/')) found.add(packageName(specifier));
    }
  }
  return [...found].sort();
}

/** The one exported `XxxClient` class of an SDK package (`__Client` is the shared base class). */
export function clientClassName(exportNames: readonly string[]): string | undefined {
  const candidates = exportNames.filter((name) => /^[A-Z][A-Za-z0-9]*Client$/.test(name));
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** Document clients wrap a low-level client (`DynamoDBDocumentClient.from(new DynamoDBClient())`). */
const WRAPS: Readonly<Record<string, string>> = { '@aws-sdk/lib-dynamodb': '@aws-sdk/client-dynamodb' };

export interface SdkPackage {
  readonly pkg: string;
  /** The client class to instantiate; absent: the package is only imported. */
  readonly className?: string;
}

/**
 * Source of the baseline entry: imports the packages and creates each client once at module scope.
 * A document client wraps the same low-level client the baseline already created, as the adapters do.
 */
export function baselineSource(packages: readonly SdkPackage[]): string {
  const lines = [
    '// Generated by scripts/bench-bundles.ts: the AWS SDK clients of one handler, nothing else.',
  ];
  const instanceOf = new Map<string, string>();
  const created: string[] = [];
  packages.forEach(({ pkg, className }, index) => {
    if (className === undefined) {
      lines.push(`import ${JSON.stringify(pkg)};`);
      return;
    }
    lines.push(`import { ${className} as C${index} } from ${JSON.stringify(pkg)};`);
    instanceOf.set(pkg, `client${index}`);
  });
  packages.forEach(({ pkg, className }, index) => {
    if (className === undefined) return;
    const wrapped = WRAPS[pkg];
    if (wrapped === undefined) {
      created.push(`const client${index} = new C${index}({});`);
      return;
    }
    const inner = instanceOf.get(wrapped);
    if (inner === undefined)
      throw new Error(`${pkg} wraps a client of ${wrapped}, which the handler does not import`);
    created.push(`const client${index} = C${index}.from(${inner});`);
  });
  lines.push(...created, `export const clients = [${[...instanceOf.values()].join(', ')}];`);
  return `${lines.join('\n')}\n`;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

export const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

export interface InitSample {
  /** From just before `require(bundle)` to just after: loading, compiling and running the module scope. */
  readonly requireMs: number;
  /** From the start of the process (`performance.timeOrigin`) to the end of the require. */
  readonly sinceStartMs: number;
}

export interface VariantResult {
  readonly handler: string;
  readonly variant: Variant;
  readonly bundleBytes: number;
  readonly gzipBytes: number;
  readonly sourceMapBytes: number;
  readonly sdkPackages: readonly string[];
  readonly requireMsMedian: number;
  readonly sinceStartMsMedian: number;
  readonly samples: readonly InitSample[];
}

const VARIANT_LABEL: Record<Variant, string> = {
  handler: 'handler (all bundled)',
  baseline: 'baseline: SDK clients only',
  'sdk-external': 'handler, @aws-sdk from node_modules',
};

export function formatTable(results: readonly VariantResult[], runs: number): string {
  const header = [
    'handler',
    'variant',
    'bundle (bytes)',
    'bundle (KB)',
    'gzip (KB)',
    `require (ms, median of ${runs})`,
    `process start to ready (ms, median of ${runs})`,
    '@aws-sdk packages',
  ];
  const rows = results.map((r) => [
    r.handler,
    VARIANT_LABEL[r.variant],
    String(r.bundleBytes),
    kb(r.bundleBytes),
    kb(r.gzipBytes),
    r.requireMsMedian.toFixed(1),
    r.sinceStartMsMedian.toFixed(1),
    r.sdkPackages.map((p) => p.replace('@aws-sdk/', '')).join(', ') || '-',
  ]);
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function esbuildOptions(target: string, outfile: string, external: string[]): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    target,
    format: 'cjs',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    outfile,
    external,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: PROJECT_ROOT,
  };
}

async function bundle(
  source: { entry: string } | { contents: string; name: string },
  outfile: string,
  target: string,
  external: string[] = [],
): Promise<Metafile> {
  const options = esbuildOptions(target, outfile, external);
  const result = await build(
    'entry' in source
      ? { ...options, entryPoints: [source.entry] }
      : {
          ...options,
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

function sdkPackagesWithClients(packages: readonly string[]): SdkPackage[] {
  const requireFromProject = createRequire(join(PROJECT_ROOT, 'package.json'));
  return packages.map((pkg) => {
    const exports = requireFromProject(pkg) as Record<string, unknown>;
    const className = clientClassName(Object.keys(exports).filter((k) => typeof exports[k] === 'function'));
    return className === undefined ? { pkg } : { pkg, className };
  });
}

/** The script the child runs: nothing but the measured `require`, then exit without waiting for handles. */
const MEASURE_SCRIPT = [
  "const { performance } = require('node:perf_hooks');",
  'const before = performance.now();',
  'require(process.env.BENCH_BUNDLE);',
  'const after = performance.now();',
  "require('node:fs').writeSync(1, JSON.stringify({ requireMs: after - before, sinceStartMs: after }));",
  'process.exit(0);',
].join('\n');

function measureOnce(bundlePath: string, env: Record<string, string>, enableSourceMaps: boolean): InitSample {
  const child = spawnSync(
    process.execPath,
    [...(enableSourceMaps ? ['--enable-source-maps'] : []), '-e', MEASURE_SCRIPT],
    // A fresh environment: the parent's NODE_OPTIONS (tsx adds its loader there) would distort the timing.
    { env: { ...env, BENCH_BUNDLE: bundlePath }, encoding: 'utf8', timeout: 60_000 },
  );
  if (child.status !== 0) {
    const reason = child.error?.message ?? child.stderr.trim().split('\n').slice(-15).join('\n');
    throw new Error(
      `init of ${relative(PROJECT_ROOT, bundlePath)} failed (exit ${child.status}):\n${reason}`,
    );
  }
  return JSON.parse(child.stdout) as InitSample;
}

interface Built {
  readonly variant: Variant;
  readonly file: string;
  readonly sdkPackages: readonly string[];
}

async function buildVariants(name: string, entry: string, target: string): Promise<Built[]> {
  const dir = join(RESULTS_DIR, 'bundles', name);
  rmSync(dir, { recursive: true, force: true });

  const handlerFile = join(dir, 'handler', 'index.js');
  const metafile = await bundle({ entry }, handlerFile, target);
  const sdkPackages = sdkPackagesImportedBy(metafile);

  const baselineFile = join(dir, 'baseline', 'index.js');
  const source = baselineSource(sdkPackagesWithClients(sdkPackages));
  mkdirSync(dirname(baselineFile), { recursive: true });
  writeFileSync(join(dir, 'baseline', 'entry.ts'), source);
  await bundle({ contents: source, name: `${name}-baseline.ts` }, baselineFile, target);

  // Resolved at run time from the project's node_modules (the bundle lives below it); on Lambda the
  // runtime's own copy would answer, whose version we do not control.
  const externalFile = join(dir, 'sdk-external', 'index.js');
  await bundle({ entry }, externalFile, target, ['@aws-sdk/*']);

  return [
    { variant: 'handler', file: handlerFile, sdkPackages },
    { variant: 'baseline', file: baselineFile, sdkPackages },
    { variant: 'sdk-external', file: externalFile, sdkPackages },
  ];
}

const sizeOf = (file: string): number => statSync(file).size;

async function benchHandler(name: string, entry: string, options: BenchOptions): Promise<VariantResult[]> {
  const built = await buildVariants(name, entry, options.target);
  const env = lambdaLikeEnv(name, options.target);
  const samples = new Map<Variant, InitSample[]>(built.map((b) => [b.variant, []]));

  // One discarded run each warms the file cache; then the variants alternate, so a slow phase of the
  // machine hits all of them alike instead of skewing one.
  for (const b of built) measureOnce(b.file, env, options.enableSourceMaps);
  for (let run = 0; run < options.runs; run++) {
    for (const b of built) samples.get(b.variant)?.push(measureOnce(b.file, env, options.enableSourceMaps));
  }

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
      sinceStartMsMedian: median(own.map((s) => s.sinceStartMs)),
      samples: own,
    };
  });
}

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2));
  const all = handlerEntries(HANDLERS_DIR);
  const selected = options.handlers.length > 0 ? all.filter((h) => options.handlers.includes(h.name)) : all;
  const unknown = options.handlers.filter((h) => !all.some((e) => e.name === h));
  if (unknown.length > 0) throw new Error(`no handler named ${unknown.join(', ')} in lambda/handlers/`);
  if (selected.length === 0) throw new Error('no handlers in lambda/handlers/ to measure');

  const results: VariantResult[] = [];
  for (const { name, entry } of selected) {
    process.stderr.write(`measuring ${name} (${options.runs} runs per variant)\n`);
    results.push(...(await benchHandler(name, entry, options)));
  }

  mkdirSync(RESULTS_DIR, { recursive: true });
  const report = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    esbuild: esbuildVersion,
    target: options.target,
    runs: options.runs,
    enableSourceMaps: options.enableSourceMaps,
    note:
      'sdk-external resolves @aws-sdk from node_modules; on Lambda the runtime copy answers. ' +
      'Local timings compare variants; they are not Lambda cold starts.',
    results,
  };
  writeFileSync(join(RESULTS_DIR, 'bundles.json'), `${JSON.stringify(report, null, 2)}\n`);

  console.log(formatTable(results, options.runs));
  console.log(
    `\nNode ${process.version} on ${report.platform}, esbuild ${esbuildVersion}, target ${options.target}` +
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
