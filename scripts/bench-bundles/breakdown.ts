import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { requireInstructions } from './instructions';
import { type InitSample, type MeasureOptions, measureOnce, median } from './measure';
import { markdownTable } from './report';

/**
 * Where a function's init goes beyond its SDK clients: the baseline entry (the clients alone) plus one
 * more piece at a time (a Powertools utility, the X-Ray SDK, zod and the contracts, our observability
 * module), each bundled with the deployed bundling and timed like the variants. A piece is measured only
 * when the handler's bundle contains its package, so every row is part of what that function loads.
 */

/** One thing a handler loads, as the source lines an entry adds to the baseline to load it. */
export interface Piece {
  readonly name: string;
  /** An input path of the handler's metafile that shows the handler loads it. */
  readonly presentWhen: RegExp;
  readonly source: string;
}

export const PIECES: readonly Piece[] = [
  {
    name: '+ Powertools logger',
    presentWhen: /@aws-lambda-powertools\/logger\//,
    source: "import { Logger } from '@aws-lambda-powertools/logger';\nexport const logger = new Logger();",
  },
  {
    name: '+ Powertools metrics',
    presentWhen: /@aws-lambda-powertools\/metrics\//,
    source:
      "import { Metrics } from '@aws-lambda-powertools/metrics';\nexport const metrics = new Metrics();",
  },
  // The handler's default bundle leaves the tracer out; stages with `powertoolsTracer` load it here.
  {
    name: '+ X-Ray SDK (aws-xray-sdk-core) alone',
    presentWhen: /lambda\/adapters\/observability\.ts/,
    source: "export * as xray from 'aws-xray-sdk-core';",
  },
  {
    name: '+ Powertools tracer (loads the X-Ray SDK)',
    presentWhen: /lambda\/adapters\/observability\.ts/,
    source: "import { Tracer } from '@aws-lambda-powertools/tracer';\nexport const tracer = new Tracer();",
  },
  {
    name: '+ Powertools batch',
    presentWhen: /@aws-lambda-powertools\/batch\//,
    source:
      "import { BatchProcessor, EventType } from '@aws-lambda-powertools/batch';\n" +
      'export const processor = new BatchProcessor(EventType.SQS);',
  },
  {
    name: '+ zod/mini and the contracts (event schemas built on first use)',
    presentWhen: /lambda\/contracts\//,
    source: "export * from './lambda/contracts';",
  },
  {
    name: '+ our observability (logger, metrics; the tracer where bundled)',
    presentWhen: /lambda\/adapters\/observability\.ts/,
    source: "export * from './lambda/adapters/observability';",
  },
];

export interface BreakdownRow {
  readonly handler: string;
  readonly piece: string;
  readonly requireMsMedian: number;
  readonly requireCpuMsMedian: number;
  /** Instructions the require executes (scripts/bench-bundles/instructions.ts); only with `--instructions`. */
  readonly requireInstructions?: number;
  readonly samples: readonly InitSample[];
}

async function bundleSource(
  contents: string,
  outfile: string,
  options: BuildOptions,
  projectRoot: string,
): Promise<void> {
  mkdirSync(dirname(outfile), { recursive: true });
  writeFileSync(join(dirname(outfile), 'entry.ts'), contents);
  await build({
    ...options,
    outfile,
    logLevel: 'silent',
    absWorkingDir: projectRoot,
    stdin: { contents, resolveDir: projectRoot, sourcefile: 'entry.ts', loader: 'ts' },
  });
}

export interface BreakdownInput {
  readonly handler: string;
  readonly handlerFile: string;
  readonly metafile: Metafile;
  readonly baselineFile: string;
  readonly baselineSource: string;
  readonly dir: string;
  readonly projectRoot: string;
  readonly deployed: BuildOptions;
  readonly runs: number;
  readonly measure: MeasureOptions;
  /** Also count each entry's instructions. */
  readonly instructions: boolean;
}

/** Builds `baseline + piece` for every piece the handler loads, then times them beside the two ends. */
export async function breakdown(input: BreakdownInput): Promise<BreakdownRow[]> {
  const inputs = Object.keys(input.metafile.inputs);
  const files: { piece: string; file: string }[] = [
    { piece: 'baseline: SDK clients only', file: input.baselineFile },
  ];
  for (const [index, piece] of PIECES.entries()) {
    if (!inputs.some((path) => piece.presentWhen.test(path))) continue;
    const file = join(input.dir, 'breakdown', String(index), 'index.js');
    await bundleSource(`${input.baselineSource}${piece.source}\n`, file, input.deployed, input.projectRoot);
    files.push({ piece: piece.name, file });
  }
  files.push({ piece: 'handler (all bundled)', file: input.handlerFile });

  const samples = new Map<string, InitSample[]>(files.map((f) => [f.piece, []]));
  for (const f of files) measureOnce(f.file, input.measure);
  for (let run = 0; run < input.runs; run++) {
    for (const f of files) samples.get(f.piece)?.push(measureOnce(f.file, input.measure));
  }
  const instructions = input.instructions
    ? await requireInstructions(
        files.map((f) => f.file),
        input.measure,
        input.dir,
      )
    : undefined;
  return files.map(({ piece, file }) => {
    const own = samples.get(piece) ?? [];
    return {
      handler: input.handler,
      piece,
      requireMsMedian: median(own.map((s) => s.requireMs)),
      requireCpuMsMedian: median(own.map((s) => s.requireCpuMs)),
      ...(instructions === undefined ? {} : { requireInstructions: instructions.get(file) }),
      samples: own,
    };
  });
}

/**
 * Markdown: each row's median and what it adds to the baseline of its handler; with `instructionRuns`,
 * the instructions it adds too, in millions.
 */
export function formatBreakdown(
  rows: readonly BreakdownRow[],
  runs: number,
  instructionRuns?: number,
): string {
  const counted = instructionRuns !== undefined;
  const header = [
    'handler',
    'entry',
    `require (ms, median of ${runs})`,
    'over baseline (ms)',
    `require CPU (ms, median of ${runs})`,
    'CPU over baseline (ms)',
    ...(counted ? [`instructions over baseline (M, median of ${instructionRuns})`] : []),
  ];
  const lines = rows.map((row) => {
    const base = rows.find((r) => r.handler === row.handler && r.piece.startsWith('baseline'));
    const over = (of: (r: BreakdownRow) => number): string =>
      base === undefined || base === row ? '-' : (of(row) - of(base)).toFixed(1);
    return [
      row.handler,
      row.piece,
      row.requireMsMedian.toFixed(1),
      over((r) => r.requireMsMedian),
      row.requireCpuMsMedian.toFixed(1),
      over((r) => r.requireCpuMsMedian),
      ...(counted ? [over((r) => (r.requireInstructions ?? Number.NaN) / 1e6)] : []),
    ];
  });
  return markdownTable(header, lines);
}
