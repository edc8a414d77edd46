import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { type Metafile, transform } from 'esbuild';
import { CONSUMER_ESBUILD_TARGET, functionBundling } from '../../lib/constructs/event-consumer';
import {
  DEFAULT_RUNS,
  DEFAULT_TARGET,
  deployedEsbuildOptions,
  parseBenchArgs,
} from '../../scripts/bench-bundles';
import { type BreakdownRow, formatBreakdown } from '../../scripts/bench-bundles/breakdown';
import { esbuildOptionsFor } from '../../scripts/bench-bundles/bundling';
import { handlerEntries, lambdaLikeEnv } from '../../scripts/bench-bundles/environment';
import { parseInstructionCount } from '../../scripts/bench-bundles/instructions';
import { median } from '../../scripts/bench-bundles/measure';
import { formatTable, type VariantResult } from '../../scripts/bench-bundles/report';
import {
  baselineSource,
  clientClassName,
  packageName,
  sdkPackagesImportedBy,
} from '../../scripts/bench-bundles/sdk-baseline';

// Smoke tests of the benchmark's pure helpers. The benchmark's timings are never asserted.

describe('median', () => {
  it('takes the middle of an odd count and the mean of the two middles of an even count', () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('fails for no values', () => {
    expect(() => median([])).toThrow(/no values/);
  });
});

describe('parseBenchArgs', () => {
  it('defaults to the deployed target, 7 runs, every handler, source maps on and the functions’ runtime (resolved when run)', () => {
    expect(parseBenchArgs([])).toEqual({
      runs: DEFAULT_RUNS,
      target: DEFAULT_TARGET,
      handlers: [],
      enableSourceMaps: true,
      node: undefined,
      breakdown: false,
      instructions: false,
    });
  });

  it('reads runs, target, repeated or comma-separated handlers, the source-map, breakdown and instruction switches', () => {
    const options = parseBenchArgs([
      '--runs',
      '3',
      '--target',
      'node22',
      '--handler',
      'take-payment,analytics',
      '--handler',
      'fulfil-order',
      '--no-source-maps',
      '--node',
      '/opt/node24/bin/node',
      '--breakdown',
      '--instructions',
    ]);
    expect(options).toEqual({
      runs: 3,
      target: 'node22',
      handlers: ['take-payment', 'analytics', 'fulfil-order'],
      enableSourceMaps: false,
      node: '/opt/node24/bin/node',
      breakdown: true,
      instructions: true,
    });
  });

  it.each([
    [['--runs', '0'], /option '--runs <N>' argument '0' is invalid\. Expected a whole number from 1 to 1000/],
    [['--runs', '2.5'], /option '--runs <N>' argument '2.5' is invalid/],
    [
      ['--target', '22'],
      /option '--target <nodeNN>' argument '22' is invalid\. Expected node and a major version/,
    ],
    [['--sourcemaps'], /unknown option '--sourcemaps'/],
    [['take-payment'], /too many arguments/],
  ])('fails for %j', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});

describe('the bench mirrors the deployed bundling', () => {
  it('targets the esbuild target of the EventConsumer construct', () => {
    expect(DEFAULT_TARGET).toBe(CONSUMER_ESBUILD_TARGET);
  });

  it('bundles with the options of functionBundling, the AWS SDK in the bundle or left to the runtime', () => {
    // WHEN the benchmark derives its esbuild options from the deployed bundling
    const bundled = deployedEsbuildOptions(DEFAULT_TARGET, true);
    const sdkLeftOut = deployedEsbuildOptions(DEFAULT_TARGET, false);

    // THEN they carry what CDK passes to esbuild for it
    expect(bundled).toMatchObject({
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: CONSUMER_ESBUILD_TARGET,
      minify: functionBundling(true).minify ?? false,
      sourcemap: functionBundling(true).sourceMap ?? false,
      sourcesContent: functionBundling(true).sourcesContent ?? true,
      external: [],
    });
    expect(sdkLeftOut.external).toEqual(['@aws-sdk/*']);
  });

  it('bundles the Powertools Tracer only for the variant of the stages that enable it', () => {
    const flag = 'process.env.POWERTOOLS_TRACER_BUNDLED';
    expect(deployedEsbuildOptions(DEFAULT_TARGET, true).define).toEqual({ [flag]: '"false"' });
    expect(deployedEsbuildOptions(DEFAULT_TARGET, true, true).define).toEqual({ [flag]: '"true"' });
  });

  it('maps the options CDK turns into esbuild flags', () => {
    expect(
      esbuildOptionsFor({
        target: 'node22',
        format: 'esm' as never,
        mainFields: ['module', 'main'],
        keepNames: true,
        sourceMap: true,
        sourceMapMode: 'external' as never,
        banner: '// b',
        externalModules: ['pg-native'],
      }),
    ).toMatchObject({
      target: 'node22',
      format: 'esm',
      mainFields: ['module', 'main'],
      keepNames: true,
      sourcemap: 'external',
      banner: { js: '// b' },
      external: ['pg-native'],
    });
  });

  it('fails for a bundling option it does not mirror, rather than measure another bundle', () => {
    expect(() => esbuildOptionsFor({ minify: true, inject: ['./shim.js'] })).toThrow(/inject/);
  });

  it('sets every handler variable of docs/design.md, so init never stops at a missing one', () => {
    // GIVEN the variables of the "Handler configuration" table
    const design = readFileSync(join(__dirname, '../../docs/design.md'), 'utf8');
    const table = design.split('## Handler configuration')[1]?.split('\n## ')[0] ?? '';
    // AWS_ENDPOINT_URL is optional by design; leaving it unset measures the clients as on AWS.
    const rows = table
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .join('\n');
    const documented = [...rows.matchAll(/`([A-Z][A-Z0-9_]+)`/g)]
      .map((m) => m[1])
      .filter((name) => name !== 'AWS_ENDPOINT_URL');

    // WHEN the benchmark builds a handler's environment
    const env = lambdaLikeEnv('take-payment', DEFAULT_TARGET);

    // THEN each of them has a value
    expect(documented.length).toBeGreaterThan(10);
    expect(documented.filter((name) => name === undefined || !(name in env))).toEqual([]);
  });
});

describe('handlerEntries', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists handler files by name, without tests, declarations or other files', () => {
    dir = mkdtempSync(join(tmpdir(), 'handlers-'));
    for (const file of ['take-payment.ts', 'analytics.ts', 'analytics.test.ts', 'types.d.ts', 'README.md']) {
      writeFileSync(join(dir, file), '');
    }
    expect(handlerEntries(dir).map((h) => h.name)).toEqual(['analytics', 'take-payment']);
  });

  it('finds the functions in subfolders too, as the HTTP API keeps its own in api/', () => {
    dir = mkdtempSync(join(tmpdir(), 'handlers-'));
    mkdirSync(join(dir, 'api'));
    for (const file of ['analytics.ts', 'api/place-order.ts', 'api/get-order.ts', 'api/get-order.test.ts']) {
      writeFileSync(join(dir, file), '');
    }
    expect(handlerEntries(dir)).toEqual([
      { name: 'analytics', entry: join(dir, 'analytics.ts') },
      { name: 'get-order', entry: join(dir, 'api', 'get-order.ts') },
      { name: 'place-order', entry: join(dir, 'api', 'place-order.ts') },
    ]);
  });

  it('fails for two handler files of the same name, which would share one bundle folder', () => {
    dir = mkdtempSync(join(tmpdir(), 'handlers-'));
    mkdirSync(join(dir, 'api'));
    for (const file of ['get-order.ts', 'api/get-order.ts']) writeFileSync(join(dir, file), '');
    expect(() => handlerEntries(dir as string)).toThrow(/two handler files named get-order/);
  });

  it('covers every function of the app, the HTTP API included', () => {
    const names = handlerEntries(join(__dirname, '../../lambda/handlers')).map((h) => h.name);
    expect(names).toEqual(expect.arrayContaining(['place-order', 'get-order', 'take-payment', 'analytics']));
  });

  it('finds no handlers in a folder that does not exist yet', () => {
    expect(handlerEntries(join(tmpdir(), 'no-such-handlers-folder'))).toEqual([]);
  });
});

describe('sdkPackagesImportedBy', () => {
  const input = (imports: { path: string; original?: string }[]) => ({
    bytes: 1,
    imports: imports.map((i) => ({ ...i, kind: 'import-statement' as const })),
  });

  it('lists the SDK packages our code and libraries import, not those the SDK imports itself', () => {
    // GIVEN a metafile where an adapter imports two SDK packages (one through a subpath), a library
    // imports a third, and an SDK client pulls in its credential provider's nested client
    const metafile: Metafile = {
      inputs: {
        'lambda/adapters/tables.ts': input([
          { path: 'node_modules/@aws-sdk/lib-dynamodb/dist-cjs/index.js', original: '@aws-sdk/lib-dynamodb' },
          {
            path: 'node_modules/@aws-sdk/client-dynamodb/dist-cjs/index.js',
            original: '@aws-sdk/client-dynamodb',
          },
          { path: 'lambda/contracts/index.ts', original: '../contracts' },
        ]),
        'node_modules/some-lib/index.js': input([
          {
            path: 'node_modules/@aws-sdk/client-ssm/dist-cjs/index.js',
            original: '@aws-sdk/client-ssm/dist-cjs/x',
          },
        ]),
        'node_modules/@aws-sdk/client-dynamodb/dist-cjs/index.js': input([
          { path: 'node_modules/@aws-sdk/client-sso/dist-cjs/index.js', original: '@aws-sdk/client-sso' },
        ]),
      },
      outputs: {},
    };

    // WHEN the packages are collected THEN only the first three appear, once each, sorted
    expect(sdkPackagesImportedBy(metafile)).toEqual([
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-ssm',
      '@aws-sdk/lib-dynamodb',
    ]);
  });

  it('reduces a deep import to its package', () => {
    expect(packageName('@aws-sdk/client-sqs/dist-cjs/index.js')).toBe('@aws-sdk/client-sqs');
    expect(packageName('zod/v4')).toBe('zod');
  });
});

describe('baseline entry', () => {
  it('picks the one client class of an SDK package, not the shared base class', () => {
    expect(clientClassName(['__Client', 'DynamoDBClient', 'DynamoDB', 'PutItemCommand'])).toBe(
      'DynamoDBClient',
    );
    expect(clientClassName(['__Client', 'marshall'])).toBeUndefined();
  });

  it('creates each client once, wrapping the document client around its low-level client', async () => {
    // GIVEN the packages of a handler that uses DynamoDB through lib-dynamodb and EventBridge
    const source = baselineSource([
      { pkg: '@aws-sdk/client-dynamodb', className: 'DynamoDBClient' },
      { pkg: '@aws-sdk/client-eventbridge', className: 'EventBridgeClient' },
      { pkg: '@aws-sdk/lib-dynamodb', className: 'DynamoDBDocumentClient' },
      { pkg: '@aws-sdk/util-dynamodb' },
    ]);

    // THEN the entry is valid TypeScript that constructs exactly those clients, the document client
    // around the one DynamoDB client
    await expect(transform(source, { loader: 'ts' })).resolves.toBeDefined();
    expect(
      source.split('\n').filter((line) => line.startsWith('const ') || line.startsWith('export ')),
    ).toEqual([
      'const client0 = new C0({});',
      'const client1 = new C1({});',
      'const client2 = C2.from(client0);',
      'export const clients = [client0, client1, client2];',
    ]);
    expect(source).toContain('import "@aws-sdk/util-dynamodb";');
  });

  it('fails for a document client whose low-level client the handler does not import', () => {
    expect(() =>
      baselineSource([{ pkg: '@aws-sdk/lib-dynamodb', className: 'DynamoDBDocumentClient' }]),
    ).toThrow(/client-dynamodb/);
  });
});

describe('formatTable', () => {
  const baseline: VariantResult = {
    handler: 'take-payment',
    variant: 'baseline',
    bundleBytes: 2048,
    gzipBytes: 512,
    sourceMapBytes: 100,
    sdkPackages: ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'],
    requireMsMedian: 12.34,
    requireCpuMsMedian: 10,
    sinceStartMsMedian: 40.06,
    samples: [],
  };

  it('prints one markdown row per variant, with sizes in KB and SDK packages without their scope', () => {
    const handler: VariantResult = {
      ...baseline,
      variant: 'handler',
      requireMsMedian: 13.58,
      requireCpuMsMedian: 12.5,
    };
    const lines = formatTable([handler, baseline], 7).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toBe(
      '| take-payment | handler (all bundled) | 2048 | 2.0 | 0.5 | 13.6 | 1.10x | 12.5 | 1.25x | 40.1 | client-dynamodb, lib-dynamodb |',
    );
    expect(lines[3]).toBe(
      '| take-payment | baseline: SDK clients only | 2048 | 2.0 | 0.5 | 12.3 | - | 10.0 | - | 40.1 | client-dynamodb, lib-dynamodb |',
    );
  });

  it('adds the instruction count and its ratio to the baseline when they were counted', () => {
    const base: VariantResult = { ...baseline, requireInstructions: 300_000_000 };
    const handler: VariantResult = { ...base, variant: 'handler', requireInstructions: 345_600_000 };
    const lines = formatTable([handler, base], 5, 3).split('\n');
    expect(lines[0]).toContain('| require instructions (M, median of 3) | instructions / baseline |');
    expect(lines[2]).toBe(
      '| take-payment | handler (all bundled) | 2048 | 2.0 | 0.5 | 12.3 | 1.00x | 10.0 | 1.00x | 40.1 | 345.6 | 1.15x | client-dynamodb, lib-dynamodb |',
    );
    expect(lines[3]).toContain('| 300.0 | - | client-dynamodb, lib-dynamodb |');
  });
});

describe('parseInstructionCount', () => {
  it('reads the instruction total of the cachegrind summary', () => {
    const stderr = [
      '==25944== Cachegrind, a high-precision tracing profiler',
      '==25944== ',
      '==25944== I   refs:      398,219,107',
    ].join('\n');
    expect(parseInstructionCount(stderr)).toBe(398_219_107);
  });

  it('fails with the end of the output when valgrind printed no count', () => {
    expect(() => parseInstructionCount('valgrind: failed to start tool')).toThrow(
      /no instruction count \(I refs\):\nvalgrind: failed to start tool/,
    );
  });
});

describe('formatBreakdown', () => {
  it('prints each entry with what it adds to the baseline of its own handler', () => {
    const row = (handler: string, piece: string, ms: number, cpu: number): BreakdownRow => ({
      handler,
      piece,
      requireMsMedian: ms,
      requireCpuMsMedian: cpu,
      samples: [],
    });
    const lines = formatBreakdown(
      [
        row('take-payment', 'baseline: SDK clients only', 100, 90),
        row('take-payment', '+ Powertools logger', 112.34, 95.5),
        row('analytics', 'baseline: SDK clients only', 50, 40),
        row('analytics', 'handler (all bundled)', 60, 41),
      ],
      5,
    ).split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[2]).toBe('| take-payment | baseline: SDK clients only | 100.0 | - | 90.0 | - |');
    expect(lines[3]).toBe('| take-payment | + Powertools logger | 112.3 | 12.3 | 95.5 | 5.5 |');
    expect(lines[5]).toBe('| analytics | handler (all bundled) | 60.0 | 10.0 | 41.0 | 1.0 |');
  });

  it('adds the instructions each entry adds to its baseline when they were counted', () => {
    const row = (piece: string, instructions: number): BreakdownRow => ({
      handler: 'take-payment',
      piece,
      requireMsMedian: 100,
      requireCpuMsMedian: 90,
      requireInstructions: instructions,
      samples: [],
    });
    const lines = formatBreakdown(
      [row('baseline: SDK clients only', 258_400_000), row('+ Powertools metrics', 265_900_000)],
      5,
      3,
    ).split('\n');
    expect(lines[0]).toMatch(/\| instructions over baseline \(M, median of 3\) \|$/);
    expect(lines[2]).toMatch(/\| - \|$/);
    expect(lines[3]).toBe('| take-payment | + Powertools metrics | 100.0 | 0.0 | 90.0 | 0.0 | 7.5 |');
  });
});
