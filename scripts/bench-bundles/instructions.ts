import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { type MeasureOptions, median } from './measure';

/**
 * The instructions a bundle's `require` executes, counted by valgrind's cachegrind over every thread of
 * the process. Wall and CPU times of a 100 ms init move by a tenth or more with the machine's load, so a
 * ratio such as 1.15x cannot be told from 1.20x by time on a shared machine; the instruction count moves
 * by about 1 %. Node runs some 50 times slower under valgrind, so the count is opt-in
 * (`npm run bench:bundles -- --instructions`), and the processes run one per core: a count does not
 * depend on what else the machine runs.
 *
 * Written here because no npm package counts a child process's instructions: valgrind does, from the
 * distribution (`apt-get install valgrind`), and this module only runs it and reads its summary line.
 */

const execFileAsync = promisify(execFile);

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
async function countInstructions(bundlePath: string, options: MeasureOptions): Promise<number> {
  const args = [
    '--tool=cachegrind',
    '--cache-sim=no',
    '--cachegrind-out-file=/dev/null',
    options.node,
    ...(options.enableSourceMaps ? ['--enable-source-maps'] : []),
    '-e',
    REQUIRE_SCRIPT,
  ];
  try {
    const { stderr } = await execFileAsync('valgrind', args, {
      env: { ...options.env, BENCH_BUNDLE: bundlePath },
      timeout: 300_000,
      encoding: 'utf8',
    });
    return parseInstructionCount(stderr);
  } catch (error) {
    const { code, stderr = '' } = error as { code?: number | string; stderr?: string };
    const reason = stderr.trim().split('\n').slice(-15).join('\n') || (error as Error).message;
    throw new Error(`counting the instructions of ${bundlePath} failed (exit ${code}):\n${reason}`);
  }
}

/**
 * The median count of `INSTRUCTION_RUNS` processes for each of `bundlePaths`, the processes run one per
 * core.
 */
async function medianInstructions(
  bundlePaths: readonly string[],
  options: MeasureOptions,
): Promise<Map<string, number>> {
  const limit = pLimit(availableParallelism());
  const counts = await Promise.all(
    bundlePaths.map((path) =>
      Promise.all(
        Array.from({ length: INSTRUCTION_RUNS }, () => limit(() => countInstructions(path, options))),
      ),
    ),
  );
  return new Map(bundlePaths.map((path, index) => [path, median(counts[index] ?? [])]));
}

/**
 * Each bundle's require in instructions: the median count of a process that requires it, less that of one
 * that requires an empty module (written in `scratchDir`): Node's start and its module loader's first use,
 * which on Lambda the runtime has paid before it loads the handler.
 */
export async function requireInstructions(
  bundlePaths: readonly string[],
  options: MeasureOptions,
  scratchDir: string,
): Promise<Map<string, number>> {
  mkdirSync(scratchDir, { recursive: true });
  const empty = join(scratchDir, 'empty.js');
  writeFileSync(empty, '');
  const counts = await medianInstructions([empty, ...bundlePaths], options);
  const start = counts.get(empty) ?? Number.NaN;
  return new Map(bundlePaths.map((path) => [path, (counts.get(path) ?? Number.NaN) - start]));
}
