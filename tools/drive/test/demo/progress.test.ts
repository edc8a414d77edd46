import { describe, expect, it } from '@jest/globals';
import { formatStatus, ProgressDisplay, type ProgressOutput } from '../../src/demo/progress';

function output(isTTY: boolean, columns?: number): ProgressOutput & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, columns, write: (c: string) => chunks.push(c), text: () => chunks.join('') };
}

describe('ProgressDisplay on a terminal', () => {
  it('rewrites the status line in place and prints lasting lines above it', () => {
    // GIVEN a terminal
    const out = output(true);
    const display = new ProgressDisplay(out);
    // WHEN two statuses, a line and a third status are shown, then the display ends
    display.status('orders 1/20');
    display.status('orders 2/20');
    display.line('placed 20 orders');
    display.status('orders 3/20');
    display.end();
    // THEN each status clears the line first, the lasting line redraws the status after it, and the
    // last status stays
    expect(out.text()).toBe(
      '\r\x1b[2Korders 1/20' +
        '\r\x1b[2Korders 2/20' +
        '\r\x1b[2Kplaced 20 orders\norders 2/20' +
        '\r\x1b[2Korders 3/20' +
        '\n',
    );
  });

  it('cuts the status line to the terminal width so it never wraps', () => {
    // GIVEN a 10-column terminal
    const out = output(true, 10);
    // WHEN a longer status is shown
    new ProgressDisplay(out).status('orders 187/200 final');
    // THEN it is cut with an ellipsis
    expect(out.text()).toBe('\r\x1b[2Korders 1…');
  });
});

describe('ProgressDisplay without a terminal', () => {
  it('prints the status as plain lines at most once per interval, and the last one at the end', () => {
    // GIVEN a pipe (CI) and a clock
    const out = output(false);
    let now = 0;
    const display = new ProgressDisplay(out, { plainEveryMs: 10_000, now: () => now });
    // WHEN statuses arrive every 4 s for 24 s, then the display ends
    for (let i = 0; i <= 6; i++) {
      now = i * 4_000;
      display.status(`status at ${now / 1000} s`);
    }
    display.line('done');
    display.end();
    // THEN only the statuses 10 s apart were printed, plus the latest at the end; no control characters
    expect(out.text()).toBe('status at 0 s\nstatus at 12 s\nstatus at 24 s\ndone\n');
    expect(out.text()).not.toContain('\x1b');
  });

  it('prints a status withheld by the interval when the display ends', () => {
    // GIVEN a status printed and a newer one withheld
    const out = output(false);
    let now = 0;
    const display = new ProgressDisplay(out, { plainEveryMs: 10_000, now: () => now });
    display.status('first');
    now = 1_000;
    display.status('second');
    // WHEN the display ends
    display.end();
    // THEN the withheld status is printed
    expect(out.text()).toBe('first\nsecond\n');
  });
});

describe('formatStatus', () => {
  const base = {
    elapsedMs: 30_000,
    orders: 200,
    final: { FULFILLED: 118, REJECTED: 40, CANCELLED: 29 },
    queued: 23,
    deadLettered: 0,
    expectedDeadLettered: 2,
    malformedDueInMs: 112_000,
  };

  it('shows final orders by status, queued messages and when the malformed event is due', () => {
    // GIVEN a run in progress
    // WHEN formatted
    // THEN one compact line
    expect(formatStatus(base)).toBe(
      'orders 187/200 final (118 FULFILLED, 40 REJECTED, 29 CANCELLED) · 23 queued · DLQ 0/2, malformed event due in 1m 52s',
    );
  });

  it('stops announcing the malformed event once the DLQs hold what they should', () => {
    // GIVEN the malformed event dead-lettered and overdue
    // WHEN formatted
    // THEN only the DLQ count is shown; before that, an overdue event is "due now"
    expect(formatStatus({ ...base, deadLettered: 2, malformedDueInMs: -5_000 })).toMatch(/DLQ 2\/2$/);
    expect(formatStatus({ ...base, deadLettered: 1, malformedDueInMs: -5_000 })).toMatch(/due now$/);
  });
});
