import { isFinalOrderStatus } from '../../../../lambda/domain/order';
import { type AnalyticsSummary, describeOutcome, type FinalOutcome } from './expectations';
import type { OrderKind, Scenario } from './scenario';

/**
 * Compares what a run left on the emulator with what the scenario was built for. Pure: the driver
 * (drive.ts) reads the tables and queues into an Observation, the report (report.ts) prints the Outcome.
 */

/** An order item as read from the orders table (only the fields the demo checks). */
export interface ObservedOrder {
  readonly status?: string;
  readonly reason?: string;
}

/** Whether the malformed event was found in a dead-letter queue, and with the body it was sent with. */
export type DeadLetterCheck = 'original-body' | 'changed-body' | 'absent';

export interface Observation {
  /** Order id -> its item; an order with no item (validate-order never created it) is absent. */
  readonly orders: ReadonlyMap<string, ObservedOrder>;
  /** Product id -> available units; undefined when the stock item is missing. */
  readonly stock: ReadonlyMap<string, number | undefined>;
  readonly analytics: AnalyticsSummary;
  /** Every DLQ of the deployment, by stack output key (…DlqUrl, …TargetDlqUrl) -> messages in it. */
  readonly deadLetters: Readonly<Record<string, number>>;
  /** For each DLQ the malformed event must reach (scenario.expectedDeadLetters). */
  readonly malformed: Readonly<Record<string, DeadLetterCheck>>;
}

export interface StateRow {
  readonly label: string;
  readonly expected: number;
  readonly actual: number;
}

export interface OrderMismatch {
  readonly orderId: string;
  readonly kind: OrderKind;
  readonly expected: FinalOutcome;
  readonly actual?: ObservedOrder;
}

export interface CheckRow<T = number> {
  readonly name: string;
  readonly expected: T;
  readonly actual: T;
  readonly ok: boolean;
}

export interface StockRow {
  readonly name: string;
  readonly initial: number;
  readonly expected: number;
  /** undefined when the stock item is missing. */
  readonly actual: number | undefined;
  readonly ok: boolean;
  readonly scarce: boolean;
}

export interface Outcome {
  /** Every order ended as built, the malformed event rests in the DLQs with its original body, and
   * stock, analytics and the other DLQs read what the orders imply. */
  readonly passed: boolean;
  readonly states: readonly StateRow[];
  readonly orderMismatches: readonly OrderMismatch[];
  readonly stock: readonly StockRow[];
  readonly analyticsTotals: readonly CheckRow[];
  readonly analyticsProducts: readonly (CheckRow & { readonly productId: string })[];
  readonly deadLetters: readonly CheckRow[];
  readonly malformed: readonly { readonly queue: string; readonly check: DeadLetterCheck }[];
  /** One line per check other than the orders that failed. */
  readonly problems: readonly string[];
}

/** Orders are counted under their status, CANCELLED split by reason (REJECTED reasons vary per order). */
export function stateLabel(order: ObservedOrder | undefined): string {
  if (!order?.status) return 'no order item';
  if (order.status === 'CANCELLED') return `CANCELLED ${order.reason ?? '(no reason)'}`;
  if (isFinalOrderStatus(order.status)) return order.status;
  return `${order.status} (not final)`;
}

const LABEL_ORDER = ['FULFILLED', 'REJECTED', 'CANCELLED OUT_OF_STOCK', 'CANCELLED PAYMENT_DECLINED'];

function byLabelOrder(a: string, b: string): number {
  const ia = LABEL_ORDER.indexOf(a);
  const ib = LABEL_ORDER.indexOf(b);
  if (ia >= 0 || ib >= 0)
    return (ia < 0 ? Number.MAX_SAFE_INTEGER : ia) - (ib < 0 ? Number.MAX_SAFE_INTEGER : ib);
  return a.localeCompare(b);
}

export function matches(expected: FinalOutcome, actual: ObservedOrder | undefined): boolean {
  return (
    actual?.status === expected.status && (expected.reason ?? undefined) === (actual.reason ?? undefined)
  );
}

function countBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** Attribute names of both sides, sorted, so a counter present on one side only is still compared. */
function attributes(...records: (Readonly<Record<string, number>> | undefined)[]): string[] {
  return [...new Set(records.flatMap((r) => Object.keys(r ?? {})))].sort();
}

export function evaluate(scenario: Scenario, observed: Observation): Outcome {
  const expectedByLabel = countBy(scenario.orders, (o) => stateLabel(o.expected));
  const actualByLabel = countBy(scenario.orders, (o) => stateLabel(observed.orders.get(o.order.orderId)));
  const states = [...new Set([...expectedByLabel.keys(), ...actualByLabel.keys()])]
    .sort(byLabelOrder)
    .map((label) => ({
      label,
      expected: expectedByLabel.get(label) ?? 0,
      actual: actualByLabel.get(label) ?? 0,
    }));

  const orderMismatches = scenario.orders
    .filter((o) => !matches(o.expected, observed.orders.get(o.order.orderId)))
    .map((o) => ({
      orderId: o.order.orderId,
      kind: o.kind,
      expected: o.expected,
      actual: observed.orders.get(o.order.orderId),
    }));

  const stock = scenario.products.map((p) => {
    const actual = observed.stock.get(p.productId);
    return {
      name: p.productId,
      initial: p.initialStock,
      scarce: p.scarce,
      expected: p.expectedStock,
      actual,
      ok: actual === p.expectedStock,
    };
  });

  const expectedTotals = scenario.expectedAnalytics.totals;
  const analyticsTotals = attributes(expectedTotals, observed.analytics.totals).map((name) => {
    const expected = expectedTotals[name] ?? 0;
    const actual = observed.analytics.totals[name] ?? 0;
    return { name, expected, actual, ok: expected === actual };
  });
  const productIds = [
    ...new Set([
      ...Object.keys(scenario.expectedAnalytics.products),
      ...Object.keys(observed.analytics.products),
    ]),
  ].sort();
  const analyticsProducts = productIds.flatMap((productId) => {
    const expected = scenario.expectedAnalytics.products[productId];
    const actual = observed.analytics.products[productId];
    return attributes(expected, actual).map((name) => {
      const e = expected?.[name] ?? 0;
      const a = actual?.[name] ?? 0;
      return { productId, name, expected: e, actual: a, ok: e === a };
    });
  });

  const deadLetters = Object.keys({ ...observed.deadLetters, ...scenario.expectedDeadLetters })
    .sort()
    .map((name) => {
      const expected = scenario.expectedDeadLetters[name] ?? 0;
      const actual = observed.deadLetters[name] ?? 0;
      return { name, expected, actual, ok: expected === actual };
    });
  const malformed = Object.keys(scenario.expectedDeadLetters)
    .sort()
    .map((queue) => ({ queue, check: observed.malformed[queue] ?? ('absent' as const) }));

  const problems: string[] = [];
  for (const m of malformed) {
    if (m.check === 'absent')
      problems.push(`the malformed event ${scenario.malformed.id} is not in ${m.queue}`);
    if (m.check === 'changed-body') {
      problems.push(`the malformed event in ${m.queue} does not have the body it was sent with`);
    }
  }
  for (const d of deadLetters) {
    if (!d.ok) problems.push(`${d.name} holds ${d.actual} message(s), expected ${d.expected}`);
  }
  for (const s of stock) {
    if (!s.ok) problems.push(`stock of ${s.name} is ${s.actual ?? 'missing'}, expected ${s.expected}`);
  }
  for (const a of analyticsTotals) {
    if (!a.ok) problems.push(`analytics ${a.name} is ${a.actual}, expected ${a.expected}`);
  }
  for (const a of analyticsProducts) {
    if (!a.ok) problems.push(`analytics ${a.productId} ${a.name} is ${a.actual}, expected ${a.expected}`);
  }

  return {
    passed: orderMismatches.length === 0 && problems.length === 0,
    states,
    orderMismatches,
    stock,
    analyticsTotals,
    analyticsProducts,
    deadLetters,
    malformed,
    problems,
  };
}

/**
 * Sums aggregate items of the analytics table over days and shards (docs/design.md: daily totals
 * `DAY#<day>#<shard>` / `TOTALS`, per product `PRODUCT#<productId>#<shard>` / `DAY#<day>`). Numeric
 * attributes are counters; anything else (keys, seen-markers) is ignored.
 */
export function summariseAnalytics(items: readonly Record<string, unknown>[]): AnalyticsSummary {
  const totals: Record<string, number> = {};
  const products: Record<string, Record<string, number>> = {};
  for (const item of items) {
    const pk = typeof item.pk === 'string' ? item.pk : '';
    let target: Record<string, number> | undefined;
    if (/^DAY#[^#]+#\d+$/.test(pk) && item.sk === 'TOTALS') {
      target = totals;
    } else {
      const productId = /^PRODUCT#(.+)#\d+$/.exec(pk)?.[1];
      if (productId && typeof item.sk === 'string' && item.sk.startsWith('DAY#')) {
        products[productId] ??= {};
        target = products[productId];
      }
    }
    if (!target) continue;
    for (const [name, value] of Object.entries(item)) {
      if (name === 'pk' || name === 'sk' || typeof value !== 'number') continue;
      target[name] = (target[name] ?? 0) + value;
    }
  }
  return { totals, products };
}

/** "demo-ab12-007-oos  expected CANCELLED (OUT_OF_STOCK)  actual FULFILLED" */
export function describeMismatch(m: OrderMismatch): string {
  return `${m.orderId}  expected ${describeOutcome(m.expected)}  actual ${describeOutcome(m.actual)}`;
}
