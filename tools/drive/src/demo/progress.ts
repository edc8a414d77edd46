import { SingleBar } from 'cli-progress';
import { formatDuration } from './format';
import type { DemoStatus } from './play';

/**
 * Progress of `npm run local`: on a terminal, one status line rewritten in place, with permanent lines
 * (milestones, logs) printed above it; elsewhere (CI, a pipe) no control characters, and the status as a
 * plain line every `plainEveryMs` (cli-progress's non-TTY mode).
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
}

interface StatusPayload {
  readonly status: string;
}

export class ProgressDisplay {
  private readonly tty: boolean;
  private readonly bar: SingleBar;
  /** The latest status while the bar is drawn; undefined before the first and after end(). */
  private current: string | undefined;

  constructor(
    private readonly out: ProgressOutput,
    options: ProgressOptions = {},
  ) {
    this.tty = out.isTTY === true;
    this.bar = new SingleBar({
      stream: out as NodeJS.WritableStream,
      // The line is the status itself: the orders' count, queues and DLQs say more than a bar would.
      format: (_options, params, payload: StatusPayload) => this.fit(payload.status, params.maxWidth),
      noTTYOutput: true,
      notTTYSchedule: options.plainEveryMs ?? 10_000,
      // Stopping clears the line on a terminal (line() and end() print what stays); without one, it
      // prints the latest status.
      clearOnComplete: true,
      // Ctrl-C is the caller's: it ends the display itself.
      gracefulExit: false,
    });
  }

  /** A line that stays, above the status. */
  line(text: string): void {
    if (!this.tty || this.current === undefined) {
      // Without a terminal the bar writes whole lines, so a line can go between them at any time.
      this.out.write(`${text}\n`);
      return;
    }
    // Stopped and started again around the line: the bar then saves the cursor below it, so the status
    // is redrawn under the line and never over it.
    this.bar.stop();
    this.out.write(`${text}\n`);
    this.bar.start(1, 0, { status: this.current });
  }

  /** The latest status; replaces the previous one. */
  status(text: string): void {
    const first = this.current === undefined;
    this.current = text;
    if (first) this.bar.start(1, 0, { status: text });
    else this.bar.update({ status: text });
  }

  /** Leaves the last status on screen as a permanent line. */
  end(): void {
    if (this.current === undefined) return;
    this.bar.stop();
    if (this.tty) this.out.write(`${this.current}\n`);
    this.current = undefined;
  }

  /** Cut to the terminal's width, with an ellipsis; a plain line is cut by cli-progress at 200 characters, more than a status has. */
  private fit(text: string, width: number): string {
    if (!this.tty || text.length < width) return text;
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
