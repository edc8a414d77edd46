import type { InitSample } from './measure';

export type Variant = 'handler' | 'baseline' | 'sdk-external' | 'handler-tracer';

export interface VariantResult {
  readonly handler: string;
  readonly variant: Variant;
  readonly bundleBytes: number;
  readonly gzipBytes: number;
  readonly sourceMapBytes: number;
  readonly sdkPackages: readonly string[];
  readonly requireMsMedian: number;
  readonly requireCpuMsMedian: number;
  readonly sinceStartMsMedian: number;
  /** Instructions the require executes (median, Node's start taken off); only with `--instructions`. */
  readonly requireInstructions?: number;
  readonly samples: readonly InitSample[];
}

export const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

const VARIANT_LABEL: Record<Variant, string> = {
  handler: 'handler (all bundled)',
  baseline: 'baseline: SDK clients only',
  'sdk-external': 'handler, @aws-sdk from node_modules',
  'handler-tracer': 'handler with the Powertools Tracer (stages with powertoolsTracer)',
};

/** `x / baseline` of the same handler, e.g. `1.12x`; `-` for the baseline itself or without one. */
function ratio(
  result: VariantResult,
  all: readonly VariantResult[],
  of: (r: VariantResult) => number,
): string {
  const baseline = all.find((r) => r.handler === result.handler && r.variant === 'baseline');
  if (baseline === undefined || result.variant === 'baseline') return '-';
  return `${(of(result) / of(baseline)).toFixed(2)}x`;
}

/**
 * One row per variant. With `instructionRuns` (the runs behind each count of `--instructions`), two more
 * columns: the require's instructions in millions and their ratio to the baseline.
 */
export function formatTable(
  results: readonly VariantResult[],
  runs: number,
  instructionRuns?: number,
): string {
  const counted = instructionRuns !== undefined;
  const header = [
    'handler',
    'variant',
    'bundle (bytes)',
    'bundle (KB)',
    'gzip (KB)',
    `require (ms, median of ${runs})`,
    'require / baseline',
    `require CPU (ms, median of ${runs})`,
    'CPU / baseline',
    `process start to ready (ms, median of ${runs})`,
    ...(counted ? [`require instructions (M, median of ${instructionRuns})`, 'instructions / baseline'] : []),
    '@aws-sdk packages',
  ];
  const instructions = (r: VariantResult): number => r.requireInstructions ?? Number.NaN;
  const rows = results.map((r) => [
    r.handler,
    VARIANT_LABEL[r.variant],
    String(r.bundleBytes),
    kb(r.bundleBytes),
    kb(r.gzipBytes),
    r.requireMsMedian.toFixed(1),
    ratio(r, results, (x) => x.requireMsMedian),
    r.requireCpuMsMedian.toFixed(1),
    ratio(r, results, (x) => x.requireCpuMsMedian),
    r.sinceStartMsMedian.toFixed(1),
    ...(counted ? [(instructions(r) / 1e6).toFixed(1), ratio(r, results, instructions)] : []),
    r.sdkPackages.map((p) => p.replace('@aws-sdk/', '')).join(', ') || '-',
  ]);
  return markdownTable(header, rows);
}

/** A markdown table: the header, its rule, then one line per row. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
