import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * A focused test (`.only`, `fit`, `fdescribe`) silently drops the rest of its file, a skipped one
 * (`.skip`, `xit`, `xdescribe`, `xtest`) drops itself, and either could reach main with a green run.
 * jest has no option that refuses them, so both projects' global setups call
 * checkNoFocusedOrSkippedTests: the run fails before any test starts.
 */

/** The app's tests and the workspaces' (tools/<name>/test). */
const TEST_ROOTS = [resolve(__dirname, '..'), resolve(__dirname, '..', '..', 'tools')];

const FOCUSED_OR_SKIPPED = [
  // only or skip on describe, it or test, also after concurrent, each or failing: `it` + `.skip(`, ...
  /\b(?:describe|it|test)(?:\.(?:concurrent|each|failing))*\.(?:only|skip)\b/,
  /\b(?:fit|fdescribe|xit|xdescribe|xtest)\b(?:\.each)?\s*\(/,
];

export interface FocusedOrSkipped {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** Every line of `source` that focuses or skips a test. */
export function findFocusedOrSkipped(file: string, source: string): FocusedOrSkipped[] {
  return source
    .split('\n')
    .flatMap((text, i) =>
      FOCUSED_OR_SKIPPED.some((pattern) => pattern.test(text))
        ? [{ file, line: i + 1, text: text.trim() }]
        : [],
    );
}

/** The test files under `roots` (test/ and tools/ by default). */
export function testFiles(roots: readonly string[] = TEST_ROOTS): string[] {
  return roots
    .flatMap((root) =>
      readdirSync(root, { recursive: true, encoding: 'utf8' })
        .filter((name) => name.endsWith('.test.ts') && !name.split(/[\\/]/).includes('node_modules'))
        .map((name) => join(root, name)),
    )
    .sort();
}

/** Throws, naming each file and line, when a test file focuses or skips a test. */
export function checkNoFocusedOrSkippedTests(files = testFiles()): void {
  const found = files.flatMap((file) =>
    findFocusedOrSkipped(relative(process.cwd(), file), readFileSync(file, 'utf8')),
  );
  if (found.length > 0) {
    throw new Error(
      `focused or skipped tests: run every test, or delete the ones that are not wanted\n${found
        .map((f) => `  ${f.file}:${f.line}: ${f.text}`)
        .join('\n')}`,
    );
  }
}
