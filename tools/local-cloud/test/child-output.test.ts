import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { onOutputLines } from '../src/child-output';

/** Runs `script` in a child Node and collects the lines handed on, in order, until both streams close. */
async function linesOf(script: string): Promise<string[]> {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  onOutputLines(child, (line) => lines.push(line));
  await once(child, 'close');
  return lines;
}

describe('onOutputLines', () => {
  it('GIVEN a line split over two writes WHEN the child writes it THEN it arrives whole, once', async () => {
    const lines = await linesOf(
      "process.stdout.write('first ha'); setTimeout(() => process.stdout.write('lf\\nsecond\\n'), 50);",
    );
    expect(lines).toEqual(['first half', 'second']);
  });

  it('GIVEN a last line without a newline WHEN the stream closes THEN it is handed on', async () => {
    expect(await linesOf("process.stdout.write('a\\nno newline at the end');")).toEqual([
      'a',
      'no newline at the end',
    ]);
  });

  it('GIVEN CRLF endings and blank lines WHEN read THEN lines come without \\r and blanks are dropped', async () => {
    expect(await linesOf("process.stdout.write('one\\r\\n\\r\\n   \\ntwo\\r\\n');")).toEqual(['one', 'two']);
  });

  it('GIVEN output on stderr WHEN read THEN its lines are handed on too', async () => {
    expect(await linesOf("process.stderr.write('traceback line\\n');")).toEqual(['traceback line']);
  });
});
