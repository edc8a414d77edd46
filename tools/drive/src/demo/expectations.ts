import {
  ORDER_CANCELLED,
  ORDER_FULFILLED,
  ORDER_PLACED,
  ORDER_REJECTED,
  ORDER_VALIDATED,
  OUT_OF_STOCK,
  PAYMENT_FAILED,
  PAYMENT_SUCCEEDED,
  STOCK_RESERVED,
} from '../../../../lambda/contracts';
import { countAttribute, revenueAttribute, UNITS_ATTRIBUTE } from '../../../../lambda/domain/analytics';
import { type OrderPolicy, orderRuleViolations } from '../../../../lambda/domain/business-rules';
import type { CancellationReason, FinalOrderStatus } from '../../../../lambda/domain/order';
import { matchesDeclineRule } from '../../../../lambda/domain/payment-provider';
import type { StageConfig } from '../../../../lib/config';
import type { DemoOrder } from './scenario';

/**
 * What the pipeline must make of the demo, by the domain's own rules: the final state of an order, the
 * events it puts on the bus, and what analytics must have counted. Pure.
 */

/** The stage settings the demo aims at (lib/config.ts). */
export type DemoPolicy = Pick<StageConfig, 'stage' | 'currencies' | 'maxOrderAmount' | 'paymentDeclineRules'>;

/** Where an order ends: its status and, for REJECTED and CANCELLED, the reason the order item records. */
export interface FinalOutcome {
  readonly status: FinalOrderStatus;
  readonly reason?: string;
}

/** Counter attributes (count_<DetailType>, revenue_<CCY>, units) summed over days and shards. */
export interface AnalyticsSummary {
  readonly totals: Readonly<Record<string, number>>;
  readonly products: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** The detail types an order with this outcome puts on the bus (docs/design.md, "Services and the flow"). */
export function eventsOf(outcome: FinalOutcome): readonly string[] {
  if (outcome.status === 'FULFILLED') {
    return [ORDER_PLACED, ORDER_VALIDATED, STOCK_RESERVED, PAYMENT_SUCCEEDED, ORDER_FULFILLED];
  }
  if (outcome.status === 'REJECTED') return [ORDER_PLACED, ORDER_REJECTED];
  if (outcome.reason === ('OUT_OF_STOCK' satisfies CancellationReason)) {
    return [ORDER_PLACED, ORDER_VALIDATED, OUT_OF_STOCK];
  }
  return [ORDER_PLACED, ORDER_VALIDATED, STOCK_RESERVED, PAYMENT_FAILED, ORDER_CANCELLED];
}

/** What the pipeline does with an order, by the domain's rules, given the stock seeded for each product. */
export function expectedOutcome(
  order: DemoOrder['order'],
  policy: DemoPolicy,
  initialStock: ReadonlyMap<string, number>,
): FinalOutcome {
  const orderPolicy: OrderPolicy = { currencies: policy.currencies, maxOrderAmount: policy.maxOrderAmount };
  const violations = orderRuleViolations(
    { ...order, lines: [...order.lines], totalAmount: order.totalAmount },
    orderPolicy,
  );
  if (violations.length > 0) return { status: 'REJECTED', reason: violations.join('; ') };
  // Deterministic whatever order the queues deliver in: more than the whole stock can never be reserved,
  // and every other order fits in the stock even if all of them hold their reservation at once.
  if (order.lines.some((l) => l.quantity > (initialStock.get(l.productId) ?? 0))) {
    return { status: 'CANCELLED', reason: 'OUT_OF_STOCK' satisfies CancellationReason };
  }
  const charge = {
    orderId: order.orderId,
    customerId: order.customerId,
    amount: order.totalAmount,
    currency: order.currency,
    idempotencyKey: '',
  };
  if (policy.paymentDeclineRules.some((rule) => matchesDeclineRule(rule, charge))) {
    return { status: 'CANCELLED', reason: 'PAYMENT_DECLINED' satisfies CancellationReason };
  }
  return { status: 'FULFILLED' };
}

const add = (target: Record<string, number>, attribute: string, amount: number) => {
  target[attribute] = (target[attribute] ?? 0) + amount;
};

/** What analytics must have counted once every order has ended: its final fact, exactly once. */
export function expectedAnalytics(orders: readonly DemoOrder[]): AnalyticsSummary {
  const totals: Record<string, number> = {};
  const products: Record<string, Record<string, number>> = {};
  for (const { order, expected } of orders) {
    add(totals, countAttribute(eventsOf(expected).at(-1) ?? ''), 1);
    if (expected.status !== 'FULFILLED') continue;
    add(totals, revenueAttribute(order.currency), order.totalAmount);
    for (const line of order.lines) {
      products[line.productId] ??= {};
      const product = products[line.productId] ?? {};
      add(product, UNITS_ATTRIBUTE, line.quantity);
      add(product, revenueAttribute(order.currency), line.quantity * line.unitPrice);
    }
  }
  return { totals, products };
}

/** The sum of two analytics summaries: what several scenarios run on one stack add up to. */
export function addAnalytics(a: AnalyticsSummary, b: AnalyticsSummary): AnalyticsSummary {
  const totals: Record<string, number> = { ...a.totals };
  for (const [attribute, n] of Object.entries(b.totals)) add(totals, attribute, n);
  const products: Record<string, Record<string, number>> = {};
  for (const summary of [a, b]) {
    for (const [productId, counters] of Object.entries(summary.products)) {
      products[productId] ??= {};
      for (const [attribute, n] of Object.entries(counters)) add(products[productId] ?? {}, attribute, n);
    }
  }
  return { totals, products };
}

/** "FULFILLED", "CANCELLED (OUT_OF_STOCK)", "REJECTED (currency not accepted)". */
export function describeOutcome(
  outcome: { readonly status?: string; readonly reason?: string } | undefined,
): string {
  if (!outcome?.status) return 'no order item';
  return outcome.reason ? `${outcome.status} (${outcome.reason})` : outcome.status;
}
