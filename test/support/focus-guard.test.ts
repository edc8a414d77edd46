import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { checkNoFocusedOrSkippedTests, findFocusedOrSkipped, testFiles } from './focus-guard';

/** `a.b.c` built at run time, so this file does not trip the guard it tests. */
const chain = (...parts: string[]) => parts.join('.');
const dir = mkdtempSync(join(tmpdir(), 'focus-guard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the guard against focused or skipped tests', () => {
  it.each([
    [`${chain('it', 'only')}('a', () => {});`],
    [`${chain('describe', 'skip')}('a', () => {});`],
    [`${chain('test', 'concurrent', 'only')}('a', async () => {});`],
    [`${chain('it', 'skip', 'each')}([1])('a %s', () => {});`],
    [`${['f', 'it'].join('')}('a', () => {});`],
    [`${['x', 'describe'].join('')}('a', () => {});`],
    [`${['x', 'test'].join('')}('a', () => {});`],
  ])('fails on %s', (line) => {
    // GIVEN a test file with that line among ordinary tests
    const file = join(dir, `${findFocusedOrSkipped.name}-${Math.random().toString(36).slice(2)}.test.ts`);
    writeFileSync(file, `it('one', () => {});\n${line}\nit('two', () => {});\n`);
    // WHEN the guard checks it THEN it fails, naming the file and the line
    expect(() => checkNoFocusedOrSkippedTests([file])).toThrow(`.test.ts:2: ${line}`);
  });

  it('passes ordinary tests, and words that only look alike', () => {
    const source = [
      "it('a', () => {});",
      "describe.each([1])('b %s', () => {});",
      "test.concurrent('c', async () => {});",
      '// a fixit(), an exit(0) and a split.skipped flag are not tests',
    ].join('\n');
    expect(findFocusedOrSkipped('x.test.ts', source)).toEqual([]);
  });

  it('finds none in this repository, and sees every test file', () => {
    const files = testFiles();
    expect(files).toContain(__filename);
    expect(files.some((f) => f.includes(`${join('test', 'integration')}`))).toBe(true);
    expect(files.some((f) => f.includes(`${join('tools', 'local-cloud', 'test', 'integration')}`))).toBe(
      true,
    );
    expect(() => checkNoFocusedOrSkippedTests(files)).not.toThrow();
  });
});
