import { formatDuration } from './format';
import type { DemoStatus } from './play';

/**
 * Progress of `npm run local`: on a terminal, one status line rewritten in place, with permanent lines
 * (milestones, logs) printed above it; elsewhere (CI, a pipe) no control characters, and the status as a
 * plain line every `plainEveryMs`.
 */

export interface ProgressOutput {
  readonly isTTY?: boolean;
  /** Terminal width; the status line is cut to it so it never wraps (a wrapped line cannot be rewritten). */
  readonly columns?: number;
  write(chunk: string): unknown;
}

export interface ProgressOptions {
  /** @default 10 s */
  readonly plainEveryMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Carriage return, then erase the line (ANSI EL2). */
const CLEAR_LINE = '\r\x1b[2K';

export class ProgressDisplay {
  private readonly tty: boolean;
  private readonly plainEveryMs: number;
  private readonly now: () => number;
  /** The status currently drawn (TTY), or the latest one not yet printed (plain). */
  private current: string | undefined;
  private lastPlainAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly out: ProgressOutput,
    options: ProgressOptions = {},
  ) {
    this.tty = out.isTTY === true;
    this.plainEveryMs = options.plainEveryMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** A line that stays. */
  line(text: string): void {
    if (this.tty && this.current !== undefined) {
      this.out.write(`${CLEAR_LINE}${text}\n${this.fit(this.current)}`);
      return;
    }
    this.out.write(`${text}\n`);
  }

  /** The latest status; replaces the previous one. */
  status(text: string): void {
    if (this.tty) {
      this.current = text;
      this.out.write(`${CLEAR_LINE}${this.fit(text)}`);
      return;
    }
    const now = this.now();
    if (now - this.lastPlainAt >= this.plainEveryMs) {
      this.lastPlainAt = now;
      this.current = undefined;
      this.out.write(`${text}\n`);
    } else {
      this.current = text;
    }
  }

  /** Leaves the last status on screen as a permanent line. */
  end(): void {
    if (this.current === undefined) return;
    this.out.write(this.tty ? '\n' : `${this.current}\n`);
    this.current = undefined;
  }

  private fit(text: string): string {
    const width = this.out.columns;
    if (!width || text.length < width) return text;
    return `${text.slice(0, Math.max(0, width - 2))}…`;
  }
}

/** "orders 187/200 final (118 FULFILLED, 40 REJECTED, 29 CANCELLED) · 23 queued · DLQ 0/2, malformed due in 1m 52s" */
export function formatStatus(s: DemoStatus): string {
  const finalCount = Object.values(s.final).reduce((a, b) => a + b, 0);
  const byStatus = Object.entries(s.final)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  const parts = [
    `orders ${finalCount}/${s.orders} final${byStatus ? ` (${byStatus})` : ''}`,
    `${s.queued} queued`,
  ];
  let dlq = `DLQ ${s.deadLettered}/${s.expectedDeadLettered}`;
  if (s.deadLettered < s.expectedDeadLettered) {
    dlq +=
      s.malformedDueInMs > 0
        ? `, malformed event due in ${formatDuration(s.malformedDueInMs)}`
        : ', malformed event due now';
  }
  parts.push(dlq);
  return parts.join(' · ');
}
