import { isFinalOrderStatus } from '../../../../lambda/domain/order';
import type { MalformedEvent } from '../demo/malformed';
import { malformedCheck } from '../demo/malformed';
import type { HistoryPoint } from '../demo/order-doors';
import type { Outcome } from '../demo/outcome';
import type { Scenario } from '../demo/scenario';
import { orderIdOf } from './measure';

/**
 * The reliability figures of a run with faults at load: which orders were lost, which effects happened
 * twice, and where the poison events went. Pure: the benchmark reads the tables and DLQs, this judges.
 */

export interface FaultReport {
  readonly faultRate: number;
  readonly poisonRate: number;
  /** Deliveries that crashed at an injected fault point. */
  readonly injected: number;
  /** Orders not in a final state and not held in any DLQ: nothing would ever finish them. */
  readonly lost: number;
  /** Orders not final whose message waits in a DLQ (a redrive after a fix finishes them). */
  readonly deadLettered: number;
  /** Orders final, but not in the state they were built for. */
  readonly wrongState: number;
  /** Effects applied more than once: the total of the three below. */
  readonly duplicated: number;
  readonly duplicates: {
    /** A status reached twice in an order's history (a step applied twice). */
    readonly repeatedTransitions: number;
    /** Units of stock taken beyond what the orders reserved (a reservation applied twice). */
    readonly stockOverReserved: number;
    /** Facts counted more than once by analytics (count_* attributes above what the orders imply). */
    readonly analyticsOverCounted: number;
  };
  readonly poisonSent: number;
  /** Poison events found, with their original body, in the DLQ of the consumer of OrderPlaced. */
  readonly poisonInDlq: number;
  /** Messages in each DLQ at the end, by stack output key. */
  readonly deadLetters: Readonly<Record<string, number>>;
}

export interface FaultInputs {
  readonly faultRate: number;
  readonly poisonRate: number;
  readonly injected: number;
  readonly scenario: Scenario;
  readonly outcome: Outcome;
  readonly statuses: ReadonlyMap<string, string | undefined>;
  /** Scenario order id -> the id the pipeline knows it by (the API's), which its dead letters carry. */
  readonly orderIds: ReadonlyMap<string, string>;
  readonly histories: ReadonlyMap<string, readonly HistoryPoint[]>;
  /** The poison events put on the bus. */
  readonly poison: readonly MalformedEvent[];
  /** The bodies of every DLQ, by stack output key. */
  readonly deadLetterBodies: Readonly<Record<string, readonly string[]>>;
  /** The DLQ the poison events must reach. */
  readonly poisonQueueKey: string;
}

export function faultReport(input: FaultInputs): FaultReport {
  const inDlq = new Set(
    Object.values(input.deadLetterBodies)
      .flat()
      .map(orderIdOf)
      .filter((id) => id !== undefined),
  );
  let lost = 0;
  let deadLettered = 0;
  for (const { order } of input.scenario.orders) {
    if (isFinalOrderStatus(input.statuses.get(order.orderId))) continue;
    if (inDlq.has(input.orderIds.get(order.orderId) ?? order.orderId)) deadLettered++;
    else lost++;
  }
  const wrongState = input.outcome.orderMismatches.filter((m) => isFinalOrderStatus(m.actual?.status)).length;

  let repeatedTransitions = 0;
  for (const history of input.histories.values()) {
    repeatedTransitions += history.length - new Set(history.map((h) => h.status)).size;
  }
  const stockOverReserved = input.outcome.stock.reduce(
    (n, s) => n + Math.max(0, s.expected - (s.actual ?? s.expected)),
    0,
  );
  const analyticsOverCounted = input.outcome.analyticsTotals
    .filter((row) => row.name.startsWith('count_'))
    .reduce((n, row) => n + Math.max(0, row.actual - row.expected), 0);

  const poisonBodies = new Map(
    (input.deadLetterBodies[input.poisonQueueKey] ?? []).map((body) => [orderIdOf(body), body] as const),
  );
  const poisonInDlq = input.poison.filter(
    (p) => malformedCheck(poisonBodies.get(p.id), p) === 'original-body',
  ).length;

  return {
    faultRate: input.faultRate,
    poisonRate: input.poisonRate,
    injected: input.injected,
    lost,
    deadLettered,
    wrongState,
    duplicated: repeatedTransitions + stockOverReserved + analyticsOverCounted,
    duplicates: { repeatedTransitions, stockOverReserved, analyticsOverCounted },
    poisonSent: input.poison.length,
    poisonInDlq,
    deadLetters: Object.fromEntries(Object.entries(input.deadLetterBodies).map(([k, v]) => [k, v.length])),
  };
}
