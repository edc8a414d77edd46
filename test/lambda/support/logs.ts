import { jest } from '@jest/globals';

/**
 * Captures what the function writes to stdout/stderr (Powertools writes JSON lines there in Lambda
 * mode) without printing it, so tests can assert on what was, and was not, logged.
 */
export function captureOutput() {
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  return {
    text: () => chunks.join(''),
    /** Every JSON log line written so far. */
    entries: (): Record<string, unknown>[] =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.trim().startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    clear: () => {
      chunks.length = 0;
    },
    restore: () => {
      stdout.mockRestore();
      stderr.mockRestore();
    },
  };
}
