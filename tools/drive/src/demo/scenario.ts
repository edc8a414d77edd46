import type { OrderToPlace } from '@order-pipeline/pipeline-client/order-producer';
import {
  idempotencyKeyFor,
  ORDER_CANCELLED,
  ORDER_FULFILLED,
  ORDER_PLACED,
  ORDER_REJECTED,
  ORDER_VALIDATED,
  type OrderLine,
  OrderPlaced,
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

/**
 * The demo of `npm run local`, as data: which products are stocked, which orders are placed and the
 * final state each one is built for, the malformed event, and what stock and analytics must read at
 * the end. Pure: no AWS calls, no clock, no randomness (the caller passes the run id and ids).
 *
 * Expected states are not asserted by hand: each order is built for an outcome, then the domain's own
 * rules (validation, the simulated payment provider) are asked what they will do with it, and the two
 * must agree, so a stage whose rules cannot produce an outcome fails here, before anything starts.
 */

export type OrderKind =
  | 'fulfilled'
  | 'out-of-stock'
  | 'payment-declined'
  | 'rejected-currency'
  | 'rejected-total';

/** Where an order ends: its status and, for REJECTED and CANCELLED, the reason the order item records. */
export interface FinalOutcome {
  readonly status: FinalOrderStatus;
  readonly reason?: string;
}

export interface DemoOrder {
  readonly kind: OrderKind;
  /** totalAmount is always set: a rejected-total order states a wrong one on purpose. */
  readonly order: OrderToPlace & { readonly totalAmount: number };
  readonly expected: FinalOutcome;
}

export interface DemoProduct {
  readonly productId: string;
  readonly unitPrice: number;
  /** Stock seeded before the orders are placed. */
  readonly initialStock: number;
  /** Initial stock minus what the fulfilled orders took; released reservations come back. */
  readonly expectedStock: number;
  readonly scarce: boolean;
}

/** An OrderPlaced event that breaks its contract, put on the bus directly (the producer would refuse it). */
export interface MalformedEvent {
  /** Its data.orderId and correlation id: how it is found in a dead-letter queue. */
  readonly id: string;
  readonly detailType: typeof ORDER_PLACED;
  readonly detail: Readonly<Record<string, unknown>>;
  /** Why the consumers refuse it. */
  readonly defect: string;
}

/** Counter attributes (count_<DetailType>, revenue_<CCY>, units) summed over days and shards. */
export interface AnalyticsSummary {
  readonly totals: Readonly<Record<string, number>>;
  readonly products: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export interface Scenario {
  readonly runId: string;
  readonly stage: string;
  readonly products: readonly DemoProduct[];
  readonly orders: readonly DemoOrder[];
  readonly malformed: MalformedEvent;
  /**
   * Messages each dead-letter queue (by its stack output key) must hold at the end; any other DLQ must be
   * empty. The malformed event (an OrderPlaced) reaches validate-order only, which refuses it until its
   * queue's maxReceiveCount moves it to the DLQ; analytics counts final facts and never receives it.
   */
  readonly expectedDeadLetters: Readonly<Record<string, number>>;
  readonly expectedAnalytics: AnalyticsSummary;
  /** Things the stage's rules made the demo leave out. */
  readonly notes: readonly string[];
}

/** The stage settings the demo aims at (lib/config.ts). */
export type DemoPolicy = Pick<StageConfig, 'stage' | 'currencies' | 'maxOrderAmount' | 'paymentDeclineRules'>;

export interface ScenarioInput {
  /** Short, unique per run: tags every order id, so runs on one emulator never mix. */
  readonly runId: string;
  /** First part of every order id (`<idPrefix>-<runId>-<n>-<kind>`). @default 'demo' */
  readonly idPrefix?: string;
  /**
   * First part of every customer id (`<customerIdPrefix>-<n>`, a declined customer's behind the decline
   * rule's prefix): the benchmark marks its customers for the random fault rules with it.
   * @default 'cus'
   */
  readonly customerIdPrefix?: string;
  readonly orders: number;
  readonly policy: DemoPolicy;
  /** occurredAt of the malformed event. */
  readonly now: Date;
  /** Event id of the malformed event (a UUID, as the contract requires). */
  readonly eventId: string;
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

/** `npm run local` places at most this many orders. */
export const MAX_DEMO_ORDERS = 5_000;
/** The largest scenario (`npm run bench` builds its load with it). */
export const MAX_SCENARIO_ORDERS = 100_000;

/** Plentiful products: stocked for every order that may hold them at once, plus a margin. */
export const CATALOGUE: readonly { readonly productId: string; readonly unitPrice: number }[] = [
  { productId: 'sku-espresso-250g', unitPrice: 1_250 },
  { productId: 'sku-filter-papers', unitPrice: 450 },
  { productId: 'sku-mug-stoneware', unitPrice: 1_900 },
  { productId: 'sku-grinder-c2', unitPrice: 8_900 },
];

/** The scarce product: fulfilled orders buy exactly its stock, out-of-stock orders ask for more. */
export const SCARCE_PRODUCT = { productId: 'sku-kettle-limited', unitPrice: 14_900 } as const;
/** Units of the scarce product on sale: it sells out. */
const SCARCE_UNITS = 3;
/** Units left of each plentiful product after the worst case (every reservation held at once). */
const STOCK_MARGIN = 20;

/**
 * One cycle of ten orders: the first five cover every outcome, so `--orders 5` already shows them all;
 * 40 % of the orders are built to fail.
 */
const KIND_CYCLE: readonly OrderKind[] = [
  'fulfilled',
  'out-of-stock',
  'payment-declined',
  'rejected-currency',
  'rejected-total',
  'fulfilled',
  'fulfilled',
  'fulfilled',
  'fulfilled',
  'fulfilled',
];

const KIND_TAG: Record<OrderKind, string> = {
  fulfilled: 'ok',
  'out-of-stock': 'oos',
  'payment-declined': 'declined',
  'rejected-currency': 'currency',
  'rejected-total': 'total',
};

/** Currencies to pick an unaccepted one from (ISO 4217). */
const OTHER_CURRENCIES = ['JPY', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CAD', 'AUD', 'NZD', 'SGD'];

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

function intendedStatus(kind: OrderKind): FinalOutcome {
  switch (kind) {
    case 'fulfilled':
      return { status: 'FULFILLED' };
    case 'out-of-stock':
      return { status: 'CANCELLED', reason: 'OUT_OF_STOCK' };
    case 'payment-declined':
      return { status: 'CANCELLED', reason: 'PAYMENT_DECLINED' };
    case 'rejected-currency':
    case 'rejected-total':
      return { status: 'REJECTED' };
  }
}

/** Everyday lines: one to three distinct plentiful products, one to three units each. */
function everydayLines(i: number): OrderLine[] {
  const count = 1 + (i % 3);
  return Array.from({ length: count }, (_, j) => {
    const product = CATALOGUE[(i + j) % CATALOGUE.length] ?? CATALOGUE[0];
    if (!product) throw new ScenarioError('the demo catalogue is empty');
    return { productId: product.productId, quantity: 1 + ((i + j) % 3), unitPrice: product.unitPrice };
  });
}

const total = (lines: readonly OrderLine[]) => lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);

/** How the stage's payment rules let the demo aim at a decline: by customer id, else by amount. */
type DeclineAim =
  | { readonly by: 'customer'; readonly prefix: string }
  | { readonly by: 'amount'; readonly line: OrderLine }
  | undefined;

function declineAim(policy: DemoPolicy): DeclineAim {
  const byCustomer = policy.paymentDeclineRules.find(
    (r) => r.customerIdPrefix !== undefined && r.minAmount === undefined,
  );
  if (byCustomer?.customerIdPrefix) return { by: 'customer', prefix: byCustomer.customerIdPrefix };
  for (const rule of policy.paymentDeclineRules) {
    if (rule.customerIdPrefix !== undefined || rule.minAmount === undefined) continue;
    for (const product of [...CATALOGUE].sort((a, b) => b.unitPrice - a.unitPrice)) {
      const quantity = Math.max(1, Math.ceil(rule.minAmount / product.unitPrice));
      if (quantity <= 1000 && quantity * product.unitPrice <= policy.maxOrderAmount) {
        return {
          by: 'amount',
          line: { productId: product.productId, quantity, unitPrice: product.unitPrice },
        };
      }
    }
  }
  return undefined;
}

/** Builds the demo for `input.orders` orders against a stage's rules; throws a ScenarioError if it cannot. */
export function buildScenario(input: ScenarioInput): Scenario {
  const { runId, policy } = input;
  if (!Number.isInteger(input.orders) || input.orders < 1 || input.orders > MAX_SCENARIO_ORDERS) {
    throw new ScenarioError(`the number of orders must be a whole number from 1 to ${MAX_SCENARIO_ORDERS}`);
  }
  const idPrefix = input.idPrefix ?? 'demo';
  if (!/^[a-z][a-z0-9]{0,11}$/.test(idPrefix)) {
    throw new ScenarioError('the id prefix must be 1-12 lowercase letters or digits, starting with a letter');
  }
  const customerIdPrefix = input.customerIdPrefix ?? 'cus';
  if (!/^[a-z][a-z0-9]{0,11}$/.test(customerIdPrefix)) {
    throw new ScenarioError(
      'the customer id prefix must be 1-12 lowercase letters or digits, starting with a letter',
    );
  }
  if (!/^[a-z0-9]{1,12}$/.test(runId)) {
    throw new ScenarioError('the run id must be 1-12 lowercase letters or digits');
  }
  const notes: string[] = [];
  const aim = declineAim(policy);
  if (!aim) {
    notes.push(
      `stage ${policy.stage} has no payment decline rule the demo can aim at: no payment-declined orders`,
    );
  }
  const accepted = policy.currencies;
  const unaccepted = OTHER_CURRENCIES.find((c) => !accepted.includes(c));
  if (!unaccepted) throw new ScenarioError(`stage ${policy.stage} accepts every currency the demo knows`);

  const width = Math.max(3, String(input.orders).length);
  const kinds = Array.from({ length: input.orders }, (_, i) => {
    const kind = KIND_CYCLE[i % KIND_CYCLE.length] ?? 'fulfilled';
    return kind === 'payment-declined' && !aim ? 'fulfilled' : kind;
  });

  // First every order but the out-of-stock ones: they ask for more of the scarce product than it has,
  // which is known only once the fulfilled orders that buy it are.
  let scarceBuyers = 0;
  const drafts = kinds.map((kind, i) => {
    const n = String(i + 1).padStart(width, '0');
    const orderId = `${idPrefix}-${runId}-${n}-${KIND_TAG[kind]}`;
    let customerId = `${customerIdPrefix}-${n}`;
    let currency = accepted[i % accepted.length] ?? 'EUR';
    let lines = everydayLines(i);
    let totalAmount: number | undefined;
    if (kind === 'fulfilled' && scarceBuyers < SCARCE_UNITS) {
      scarceBuyers++;
      lines = [
        ...lines,
        { productId: SCARCE_PRODUCT.productId, quantity: 1, unitPrice: SCARCE_PRODUCT.unitPrice },
      ];
    } else if (kind === 'payment-declined' && aim?.by === 'customer') {
      customerId = `${aim.prefix}${customerId}`;
    } else if (kind === 'payment-declined' && aim?.by === 'amount') {
      lines = [aim.line];
    } else if (kind === 'rejected-currency') {
      currency = unaccepted;
    } else if (kind === 'rejected-total') {
      // One cent more than the lines add up to.
      totalAmount = total(lines) + 1;
    }
    return { kind, orderId, customerId, currency, lines, totalAmount };
  });
  const scarceStock = scarceBuyers;
  for (const [i, draft] of drafts.entries()) {
    if (draft.kind !== 'out-of-stock') continue;
    const plentiful = CATALOGUE[i % CATALOGUE.length] ?? CATALOGUE[0];
    if (!plentiful) throw new ScenarioError('the demo catalogue is empty');
    // A plentiful line too: the reservation is all or nothing, so its stock must not move either.
    draft.lines = [
      { productId: SCARCE_PRODUCT.productId, quantity: scarceStock + 1, unitPrice: SCARCE_PRODUCT.unitPrice },
      { productId: plentiful.productId, quantity: 1, unitPrice: plentiful.unitPrice },
    ];
  }

  // Stock: every order that reserves (fulfilled and declined) may hold its units at the same moment.
  const reserved = new Map<string, number>();
  const fulfilledUnits = new Map<string, number>();
  for (const d of drafts) {
    if (d.kind !== 'fulfilled' && d.kind !== 'payment-declined') continue;
    for (const l of d.lines) {
      reserved.set(l.productId, (reserved.get(l.productId) ?? 0) + l.quantity);
      if (d.kind === 'fulfilled')
        fulfilledUnits.set(l.productId, (fulfilledUnits.get(l.productId) ?? 0) + l.quantity);
    }
  }
  const products: DemoProduct[] = [
    ...CATALOGUE.map((p) => {
      const initialStock = (reserved.get(p.productId) ?? 0) + STOCK_MARGIN;
      return {
        ...p,
        initialStock,
        expectedStock: initialStock - (fulfilledUnits.get(p.productId) ?? 0),
        scarce: false,
      };
    }),
    { ...SCARCE_PRODUCT, initialStock: scarceStock, expectedStock: 0, scarce: true },
  ];
  const initialStock = new Map(products.map((p) => [p.productId, p.initialStock]));

  const orders: DemoOrder[] = drafts.map((d) => {
    const order = {
      orderId: d.orderId,
      customerId: d.customerId,
      currency: d.currency,
      lines: d.lines,
      totalAmount: d.totalAmount ?? total(d.lines),
    };
    const expected = expectedOutcome(order, policy, initialStock);
    const intended = intendedStatus(d.kind);
    if (expected.status !== intended.status || (intended.reason && expected.reason !== intended.reason)) {
      throw new ScenarioError(
        `stage ${policy.stage}: order ${d.orderId}, built to end ${describeOutcome(intended)}, would end ` +
          `${describeOutcome(expected)} under the stage's rules (lib/config.ts)`,
      );
    }
    return { kind: d.kind, order, expected };
  });

  const malformed = malformedEvent(`${idPrefix}-${runId}-malformed`, input);
  return {
    runId,
    stage: policy.stage,
    products,
    orders,
    malformed,
    expectedDeadLetters: { ValidateOrderDlqUrl: 1 },
    expectedAnalytics: expectedAnalytics(orders),
    notes,
  };
}

/**
 * A complete OrderPlaced detail except for two defects the schema refuses: a line of zero units and a
 * currency that is not an ISO code. Its metadata is right, so it is traceable by its order id.
 */
export function malformedEvent(id: string, input: Pick<ScenarioInput, 'now' | 'eventId'>): MalformedEvent {
  const product = CATALOGUE[0];
  if (!product) throw new ScenarioError('the demo catalogue is empty');
  const detail = {
    metadata: {
      eventId: input.eventId,
      correlationId: id,
      idempotencyKey: idempotencyKeyFor(id, ORDER_PLACED),
      schemaVersion: OrderPlaced.schemaVersion,
      occurredAt: input.now.toISOString(),
    },
    data: {
      orderId: id,
      customerId: 'cus-malformed',
      lines: [{ productId: product.productId, quantity: 0, unitPrice: product.unitPrice }],
      currency: 'euro',
      totalAmount: 0,
    },
  };
  return {
    id,
    detailType: ORDER_PLACED,
    detail,
    defect: 'a line of 0 units and currency "euro"',
  };
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
