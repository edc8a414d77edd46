import type { OrderToPlace } from '@order-pipeline/pipeline-client/order-producer';
import {
  CATALOGUE,
  declineAim,
  everydayLines,
  plentiful,
  SCARCE_PRODUCT,
  SCARCE_UNITS,
  STOCK_MARGIN,
  total,
  unacceptedCurrency,
} from './catalogue';
import {
  type AnalyticsSummary,
  type DemoPolicy,
  describeOutcome,
  expectedAnalytics,
  expectedOutcome,
  type FinalOutcome,
} from './expectations';
import { type MalformedEvent, malformedEvent } from './malformed';

/**
 * The demo of `npm run local`, as data: which products are stocked, which orders are placed and the
 * final state each one is built for, the malformed event, and what stock and analytics must read at
 * the end. Pure: no AWS calls, no clock, no randomness (the caller passes the run id and ids).
 *
 * Expected states are not asserted by hand: each order is built for an outcome, then the domain's own
 * rules (validation, the simulated payment provider) are asked what they will do with it, and the two
 * must agree, so a stage whose rules cannot produce an outcome fails here, before anything starts.
 * The products are in catalogue.ts, the rules' verdicts in expectations.ts, the malformed event in
 * malformed.ts.
 */

export type OrderKind =
  | 'fulfilled'
  | 'out-of-stock'
  | 'payment-declined'
  | 'rejected-currency'
  | 'rejected-total';

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
  const unaccepted = unacceptedCurrency(policy);
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
    const product = plentiful(i);
    // A plentiful line too: the reservation is all or nothing, so its stock must not move either.
    draft.lines = [
      { productId: SCARCE_PRODUCT.productId, quantity: scarceStock + 1, unitPrice: SCARCE_PRODUCT.unitPrice },
      { productId: product.productId, quantity: 1, unitPrice: product.unitPrice },
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
