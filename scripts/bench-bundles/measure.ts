import { spawnSync } from 'node:child_process';

/** Cold-start module init of a bundle, measured in a fresh Node process per sample. */

export interface InitSample {
  /** From just before `require(bundle)` to just after: loading, compiling and running the module scope. */
  readonly requireMs: number;
  /**
   * CPU time (user + system, every thread of the process) spent in that require. On a shared machine the
   * wall time grows with the load; the CPU time much less, so it is the steadier figure to compare.
   */
  readonly requireCpuMs: number;
  /** From the start of the process (`performance.timeOrigin`) to the end of the require. */
  readonly sinceStartMs: number;
}

/** The script the child runs: nothing but the measured `require`, then exit without waiting for handles. */
const MEASURE_SCRIPT = [
  "const { performance } = require('node:perf_hooks');",
  'const cpuBefore = process.cpuUsage();',
  'const before = performance.now();',
  'require(process.env.BENCH_BUNDLE);',
  'const after = performance.now();',
  'const cpu = process.cpuUsage(cpuBefore);',
  'const requireCpuMs = (cpu.user + cpu.system) / 1000;',
  "require('node:fs').writeSync(1, JSON.stringify({ requireMs: after - before, requireCpuMs, sinceStartMs: after }));",
  'process.exit(0);',
].join('\n');

export interface MeasureOptions {
  /** The Node.js executable that runs the bundle. */
  readonly node: string;
  readonly enableSourceMaps: boolean;
  readonly env: Record<string, string>;
}

export function measureOnce(bundlePath: string, options: MeasureOptions): InitSample {
  const child = spawnSync(
    options.node,
    [...(options.enableSourceMaps ? ['--enable-source-maps'] : []), '-e', MEASURE_SCRIPT],
    // A fresh environment: the parent's NODE_OPTIONS (tsx adds its loader there) would distort the timing.
    { env: { ...options.env, BENCH_BUNDLE: bundlePath }, encoding: 'utf8', timeout: 60_000 },
  );
  if (child.status !== 0) {
    const reason = child.error?.message ?? child.stderr.trim().split('\n').slice(-15).join('\n');
    throw new Error(`init of ${bundlePath} failed (exit ${child.status}):\n${reason}`);
  }
  return JSON.parse(child.stdout) as InitSample;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

/** What `node` reports as its version (`process.version`), or why it could not say. */
export function nodeVersion(node: string): string {
  if (node === process.execPath) return process.version;
  const child = spawnSync(node, ['-p', 'process.version'], { encoding: 'utf8', timeout: 20_000 });
  if (child.status !== 0)
    throw new Error(`${node} does not run: ${child.error?.message ?? child.stderr.trim()}`);
  return child.stdout.trim();
}
