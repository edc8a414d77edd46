import { countAttribute } from '../../../../lambda/domain/analytics';
import { formatDuration, table } from './format';
import { describeMismatch, type Outcome } from './outcome';
import type { RunResult } from './play';
import type { Scenario } from './scenario';

/** The outcome of `npm run local`, as text. Pure: it formats what drive.ts observed and outcome.ts judged. */

/** Enough to see a pattern; the rest are counted. */
const MAX_LISTED_ORDERS = 50;

export interface ReportTimings {
  readonly emulatorMs: number;
  readonly synthMs: number;
  readonly deployMs: number;
  /** Process start to the report. */
  readonly wallMs: number;
}

const mark = (ok: boolean) => (ok ? '' : '<- differs');
const dlqName = (outputKey: string) => outputKey.replace(/Url$/, '');

/** `count_OrderPlaced` -> `OrderPlaced`, `revenue_EUR` -> `revenue EUR`. */
function counterName(attribute: string): string {
  if (attribute.startsWith(countAttribute(''))) return attribute.slice(countAttribute('').length);
  return attribute.replace('_', ' ');
}

export function formatReport(scenario: Scenario, result: RunResult, timings: ReportTimings): string[] {
  const { outcome } = result;
  const lines: string[] = [];
  lines.push(
    '',
    `Outcome of run ${scenario.runId} (stage ${scenario.stage}): ${scenario.orders.length} orders and 1 malformed event`,
    '',
  );
  lines.push(
    ...table(
      ['final state', 'expected', 'actual'],
      outcome.states.map((s) => [s.label, s.expected, s.actual, mark(s.expected === s.actual)]),
    ),
    '',
  );

  lines.push(
    ...table(
      ['stock left', 'start', 'expected', 'actual'],
      outcome.stock.map((s) => [
        s.name,
        s.initial,
        s.expected,
        s.actual ?? 'missing',
        [s.scarce ? '(scarce)' : '', mark(s.ok)].filter(Boolean).join(' '),
      ]),
    ),
    '',
  );

  lines.push(
    ...table(
      ['analytics: daily totals, all shards', 'expected', 'actual'],
      outcome.analyticsTotals.map((a) => [counterName(a.name), a.expected, a.actual, mark(a.ok)]),
    ),
    '',
  );
  lines.push(
    ...table(
      ['analytics: per product, all shards', 'expected', 'actual'],
      outcome.analyticsProducts.map((a) => [
        `${a.productId} ${counterName(a.name)}`,
        a.expected,
        a.actual,
        mark(a.ok),
      ]),
    ),
    '    (amounts in minor units)',
    '',
  );

  lines.push(
    ...table(
      ['dead-letter queue', 'expected', 'actual'],
      outcome.deadLetters.map((d) => [dlqName(d.name), d.expected, d.actual, mark(d.ok)]),
    ),
  );
  for (const m of outcome.malformed) {
    const where = dlqName(m.queue);
    lines.push(
      m.check === 'original-body'
        ? `  the malformed event ${scenario.malformed.id} is in ${where} with its original body`
        : m.check === 'changed-body'
          ? `  the malformed event ${scenario.malformed.id} is in ${where}, but its body differs from what was sent`
          : `  the malformed event ${scenario.malformed.id} is NOT in ${where}`,
    );
  }
  lines.push('');

  const finalAfter =
    result.allFinalAfterMs === undefined
      ? 'not all orders final'
      : `all orders final after ${formatDuration(result.allFinalAfterMs)}`;
  lines.push(
    `wall time ${formatDuration(timings.wallMs)}: moto ${formatDuration(timings.emulatorMs)}, synth ${formatDuration(timings.synthMs)}, ` +
      `deploy ${formatDuration(timings.deployMs)}, placing ${formatDuration(result.placedInMs)}, ${finalAfter}, ` +
      `${result.settled ? 'settled' : 'gave up'} after ${formatDuration(result.settledAfterMs)}`,
  );
  for (const note of scenario.notes) lines.push(`note: ${note}`);
  lines.push(...verdict(outcome, result.settled));
  return lines;
}

/** The last lines: PASS, or FAIL with every order that did not end as built and every other problem. */
export function verdict(outcome: Outcome, settled: boolean): string[] {
  if (outcome.passed) {
    return [
      'PASS: every order reached the final state it was built for, and the malformed event is dead-lettered.',
    ];
  }
  const lines: string[] = [];
  const n = outcome.orderMismatches.length;
  lines.push(
    n === 0
      ? 'FAIL: every order reached the final state it was built for, but:'
      : `FAIL: ${n} order${n === 1 ? '' : 's'} did not reach the final state ${n === 1 ? 'it was' : 'they were'} built for:`,
  );
  for (const m of outcome.orderMismatches.slice(0, MAX_LISTED_ORDERS)) lines.push(`  ${describeMismatch(m)}`);
  if (n > MAX_LISTED_ORDERS) lines.push(`  ... and ${n - MAX_LISTED_ORDERS} more`);
  if (n > 0 && outcome.problems.length > 0) lines.push('and:');
  for (const p of outcome.problems) lines.push(`  ${p}`);
  if (!settled)
    lines.push('  (the deadline passed while orders or messages were still in flight: see --timeout)');
  return lines;
}
