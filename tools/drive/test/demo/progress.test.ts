import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { formatStatus, ProgressDisplay, type ProgressOutput } from '../../src/demo/progress';

function output(isTTY: boolean, columns?: number): ProgressOutput & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, columns, write: (c: string) => chunks.push(c), text: () => chunks.join('') };
}

const ESC = '\x1b';

/** What a terminal shows at the end: the text with cursor and line control sequences applied. */
function screen(text: string): string[] {
  const lines: string[] = [''];
  let saved = 0;
  let row = 0;
  // ESC 7 and ESC 8 save and restore the cursor's row, ESC [ 2 K clears the line; every text is written
  // from the first column (cli-progress moves there first), so it replaces what the row showed.
  const tokens = new RegExp(`${ESC}(?:7|8|\\[\\??\\d*[A-Za-z])|\\n|[^${ESC}\\n]+`, 'g');
  for (const token of text.match(tokens) ?? []) {
    if (token === `${ESC}7`) saved = row;
    else if (token === `${ESC}8`) row = saved;
    else if (token === `${ESC}[2K`) lines[row] = '';
    else if (token === '\n') {
      row++;
      lines[row] ??= '';
    } else if (!token.startsWith(ESC)) lines[row] = token;
  }
  return lines;
}

beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

describe('ProgressDisplay on a terminal', () => {
  it('rewrites the status line in place, prints lasting lines above it, and leaves the last status', () => {
    // GIVEN a terminal
    const out = output(true, 80);
    const display = new ProgressDisplay(out);
    // WHEN two statuses, a line and a third status are shown, then the display ends
    display.status('orders 1/20');
    jest.advanceTimersByTime(1_000);
    display.status('orders 2/20');
    jest.advanceTimersByTime(1_000);
    display.line('placed 20 orders');
    display.status('orders 3/20');
    jest.advanceTimersByTime(1_000);
    display.end();
    // THEN the screen shows the lasting line, then the last status; the statuses before it were drawn
    // over each other
    expect(screen(out.text())).toEqual(['placed 20 orders', 'orders 3/20', '']);
    expect(out.text()).toContain('orders 2/20');
  });

  it('cuts the status line to the terminal width so it never wraps', () => {
    // GIVEN a 10-column terminal
    const out = output(true, 10);
    // WHEN a longer status is shown
    new ProgressDisplay(out).status('orders 187/200 final');
    // THEN it is cut with an ellipsis
    expect(out.text()).toContain('orders 1…');
    expect(out.text()).not.toContain('orders 18');
  });
});

describe('ProgressDisplay without a terminal', () => {
  it('prints the status as plain lines once per interval, and the last one at the end', () => {
    // GIVEN a pipe (CI)
    const out = output(false);
    const display = new ProgressDisplay(out, { plainEveryMs: 10_000 });
    // WHEN statuses arrive every 4 s for 24 s, a line comes, then the display ends
    for (let i = 0; i <= 6; i++) {
      display.status(`status at ${i * 4} s`);
      if (i < 6) jest.advanceTimersByTime(4_000);
    }
    display.line('done');
    display.end();
    // THEN the first status, then every 10 s the latest one, the line as it came, and the last status;
    // no control characters
    expect(out.text()).toBe('status at 0 s\nstatus at 8 s\nstatus at 16 s\ndone\nstatus at 24 s\n');
    expect(out.text()).not.toContain('\x1b');
  });

  it('prints lines at once, before and after the status', () => {
    // GIVEN a pipe and no status yet
    const out = output(false);
    const display = new ProgressDisplay(out);
    // WHEN a line, a status, the end and another line come
    display.line('seeded stock');
    display.status('orders 0/20');
    display.end();
    display.line('outcome');
    // THEN each is printed where it came, once
    expect(out.text()).toBe('seeded stock\norders 0/20\norders 0/20\noutcome\n');
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
