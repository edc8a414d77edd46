import { spawnSync } from 'node:child_process';
import { type MeasureOptions, median } from './measure';

/**
 * The instructions a bundle's `require` executes, counted by valgrind's cachegrind over every thread of
 * the process. Wall and CPU times of a 100 ms init move by a tenth or more with the machine's load, so a
 * ratio such as 1.15x cannot be told from 1.20x by time on a shared machine; the instruction count moves
 * by about 1 %. Node runs some 50 times slower under valgrind, so the count is opt-in
 * (`npm run bench:bundles -- --instructions`).
 *
 * Written here because no npm package counts a child process's instructions: valgrind does, from the
 * distribution (`apt-get install valgrind`), and this module only runs it and reads its summary line.
 */

/** Runs per count: the median of three absorbs the V8 background threads' variation. */
export const INSTRUCTION_RUNS = 3;

/** The script the child runs: only the require, so everything else is Node's start, the same in every run. */
const REQUIRE_SCRIPT = 'require(process.env.BENCH_BUNDLE);';

/** Cachegrind's summary line on stderr, e.g. `==123== I   refs:      398,219,107`. */
export function parseInstructionCount(stderr: string): number {
  const match = /\bI\s+refs:\s+([\d,]+)/.exec(stderr);
  if (match?.[1] === undefined) {
    const tail = stderr.trim().split('\n').slice(-10).join('\n');
    throw new Error(`valgrind printed no instruction count (I refs):\n${tail}`);
  }
  return Number(match[1].replaceAll(',', ''));
}

/** Fails with what to install when valgrind is not on the PATH or does not run. */
export function assertValgrind(): void {
  const probe = spawnSync('valgrind', ['--version'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.status !== 0) {
    throw new Error(
      '--instructions counts with valgrind, which is not on the PATH or does not run ' +
        `(${probe.error?.message ?? probe.stderr.trim()}): install it (Debian/Ubuntu: apt-get install valgrind)`,
    );
  }
}

/** Instructions of one Node process that requires `bundlePath` and exits. */
export function countInstructions(bundlePath: string, options: MeasureOptions): number {
  const child = spawnSync(
    'valgrind',
    [
      '--tool=cachegrind',
      '--cache-sim=no',
      '--cachegrind-out-file=/dev/null',
      options.node,
      ...(options.enableSourceMaps ? ['--enable-source-maps'] : []),
      '-e',
      REQUIRE_SCRIPT,
    ],
    { env: { ...options.env, BENCH_BUNDLE: bundlePath }, encoding: 'utf8', timeout: 300_000 },
  );
  if (child.status !== 0) {
    const reason = child.error?.message ?? child.stderr.trim().split('\n').slice(-15).join('\n');
    throw new Error(`counting the instructions of ${bundlePath} failed (exit ${child.status}):\n${reason}`);
  }
  return parseInstructionCount(child.stderr);
}

/** The median count of `INSTRUCTION_RUNS` processes that require `bundlePath`. */
export function medianInstructions(bundlePath: string, options: MeasureOptions): number {
  return median(Array.from({ length: INSTRUCTION_RUNS }, () => countInstructions(bundlePath, options)));
}
