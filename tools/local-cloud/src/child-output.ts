import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Every non-blank line a child writes to stdout or stderr, as it arrives; a last line without a newline
 * comes when the stream closes. `\r\n` ends a line like `\n` (crlfDelay: Infinity keeps the pair one
 * break however the chunks fall).
 */
export function onOutputLines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const input of [child.stdout, child.stderr]) {
    if (!input) continue;
    createInterface({ input, crlfDelay: Infinity }).on('line', (line) => {
      if (line.trim()) onLine(line);
    });
  }
}
