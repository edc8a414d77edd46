import { describe, expect, it } from '@jest/globals';
import { orderPlacedEvent } from '@order-pipeline/pipeline-client/order-producer';
import { OrderPlaced } from '../../../../lambda/contracts';
import { REJECTION_REASONS } from '../../../../lambda/domain/business-rules';
import { loadStageConfig } from '../../../../lib/config';
import { TEST_ORDER_PREFIX } from '../../../../lib/test-stages';
import { SCARCE_PRODUCT } from '../../src/demo/catalogue';
import { type DemoPolicy, expectedAnalytics, expectedOutcome } from '../../src/demo/expectations';
import { buildScenario, type Scenario, ScenarioError, type ScenarioInput } from '../../src/demo/scenario';

const LOCAL = loadStageConfig('local');
const NOW = new Date('2026-11-26T12:00:00.000Z');
const EVENT_ID = '7d0f8a52-3c1e-4b7a-9d55-0f6f2c3a9b10';

function scenario(overrides: Partial<ScenarioInput> = {}): Scenario {
  return buildScenario({
    runId: 'ab12cd',
    orders: 20,
    policy: LOCAL,
    now: NOW,
    eventId: EVENT_ID,
    ...overrides,
  });
}

const count = <T>(items: readonly T[], key: (item: T) => string) =>
  items.reduce<Record<string, number>>((acc, item) => {
    acc[key(item)] = (acc[key(item)] ?? 0) + 1;
    return acc;
  }, {});

describe('buildScenario', () => {
  it('builds 40 % of the orders to fail, each failure kind equally, with the final state of each kind', () => {
    // GIVEN the local stage and 20 orders
    // WHEN the scenario is built
    const s = scenario();
    // THEN 12 are built to be fulfilled and 2 of each kind to fail, each expecting the state of its kind
    expect(count(s.orders, (o) => o.kind)).toEqual({
      fulfilled: 12,
      'out-of-stock': 2,
      'payment-declined': 2,
      'rejected-currency': 2,
      'rejected-total': 2,
    });
    const byKind = Object.fromEntries(s.orders.map((o) => [o.kind, o.expected]));
    expect(byKind).toEqual({
      fulfilled: { status: 'FULFILLED' },
      'out-of-stock': { status: 'CANCELLED', reason: 'OUT_OF_STOCK' },
      'payment-declined': { status: 'CANCELLED', reason: 'PAYMENT_DECLINED' },
      'rejected-currency': { status: 'REJECTED', reason: REJECTION_REASONS.currencyNotAccepted },
      'rejected-total': { status: 'REJECTED', reason: REJECTION_REASONS.totalMismatch },
    });
  });

  it('covers every outcome within the first five orders', () => {
    // GIVEN only five orders
    // WHEN the scenario is built
    const s = scenario({ orders: 5 });
    // THEN each kind appears once
    expect(new Set(s.orders.map((o) => o.kind)).size).toBe(5);
  });

  it('tags every order id with the run id, never with a fault-injection prefix', () => {
    // GIVEN 200 orders
    const s = scenario({ orders: 200 });
    // WHEN their ids are listed
    const ids = s.orders.map((o) => o.order.orderId);
    // THEN they are unique, carry the run id, and none triggers a fault rule of the stage
    expect(new Set(ids).size).toBe(200);
    expect(ids.every((id) => id.startsWith('demo-ab12cd-'))).toBe(true);
    const faultPrefixes = LOCAL.faultRules.flatMap((r) => r.orderIdPrefix ?? []);
    expect(ids.filter((id) => faultPrefixes.some((p) => id.startsWith(p)))).toEqual([]);
  });

  it('GIVEN a customer id prefix THEN every customer carries it, the declined ones behind the decline prefix', () => {
    // GIVEN the benchmark's customer prefix
    const s = scenario({ orders: 10, customerIdPrefix: 'bench' });
    // WHEN the customers are listed
    const customers = (declined: boolean) =>
      s.orders.filter((o) => (o.kind === 'payment-declined') === declined).map((o) => o.order.customerId);
    // THEN each starts with it, and the declined customer still meets the stage's decline rule
    expect(customers(false)).toHaveLength(9);
    expect(customers(false).filter((c) => !c.startsWith('bench-'))).toEqual([]);
    expect(customers(true)).toEqual([`${TEST_ORDER_PREFIX.declinedCustomer}bench-003`]);
  });

  it('fails for a customer id prefix that is not lowercase letters and digits', () => {
    expect(() => scenario({ customerIdPrefix: 'Bench-' })).toThrow(ScenarioError);
  });

  it('places only orders the producer accepts (its validation would refuse the whole batch)', () => {
    // GIVEN the scenario's orders
    const s = scenario({ orders: 50 });
    // WHEN the producer builds their OrderPlaced events
    // THEN none is refused
    for (const { order } of s.orders) expect(() => orderPlacedEvent(order)).not.toThrow();
  });

  it('stocks the scarce product with exactly what fulfilled orders buy, and out-of-stock orders ask for more', () => {
    // GIVEN the scenario
    const s = scenario();
    const scarce = s.products.find((p) => p.scarce);
    // WHEN the scarce product's stock and the demand on it are compared
    const bought = s.orders
      .filter((o) => o.kind === 'fulfilled')
      .flatMap((o) => o.order.lines)
      .filter((l) => l.productId === SCARCE_PRODUCT.productId)
      .reduce((n, l) => n + l.quantity, 0);
    const asked = s.orders
      .filter((o) => o.kind === 'out-of-stock')
      .map((o) => o.order.lines.find((l) => l.productId === SCARCE_PRODUCT.productId)?.quantity ?? 0);
    // THEN it sells out, and every out-of-stock order asks for more than the whole stock (so the outcome
    // does not depend on the order in which the queues deliver)
    expect(scarce).toMatchObject({
      productId: SCARCE_PRODUCT.productId,
      initialStock: bought,
      expectedStock: 0,
    });
    expect(asked.every((q) => q > (scarce?.initialStock ?? 0))).toBe(true);
  });

  it('stocks plentiful products for every reservation held at once, and expects what fulfilled orders took gone', () => {
    // GIVEN the scenario
    const s = scenario({ orders: 200 });
    for (const p of s.products.filter((x) => !x.scarce)) {
      // WHEN the product's demand is summed
      const units = (kinds: string[]) =>
        s.orders
          .filter((o) => kinds.includes(o.kind))
          .flatMap((o) => o.order.lines)
          .filter((l) => l.productId === p.productId)
          .reduce((n, l) => n + l.quantity, 0);
      // THEN its stock covers fulfilled and declined orders together, and only fulfilled units leave
      expect(p.initialStock).toBeGreaterThan(units(['fulfilled', 'payment-declined']));
      expect(p.expectedStock).toBe(p.initialStock - units(['fulfilled']));
    }
  });

  it('declines payments by customer id on the local stage', () => {
    // GIVEN the local stage, whose provider declines customer ids with the test prefix
    // WHEN the scenario is built
    const declined = scenario().orders.filter((o) => o.kind === 'payment-declined');
    // THEN the declined orders use that prefix
    expect(declined.every((o) => o.order.customerId.startsWith(TEST_ORDER_PREFIX.declinedCustomer))).toBe(
      true,
    );
  });

  it('declines payments by amount on a stage that declines only large amounts', () => {
    // GIVEN the prod stage: only totals of at least 500,000 are declined
    const prod = loadStageConfig('prod');
    // WHEN the scenario is built for it
    const declined = scenario({ policy: prod }).orders.filter((o) => o.kind === 'payment-declined');
    // THEN the declined orders are that large, and still accepted by validation
    expect(declined.length).toBe(2);
    for (const o of declined) {
      expect(o.order.totalAmount).toBeGreaterThanOrEqual(500_000);
      expect(o.order.totalAmount).toBeLessThanOrEqual(prod.maxOrderAmount);
    }
  });

  it('leaves declined orders out, with a note, on a stage whose provider declines nothing', () => {
    // GIVEN a stage without decline rules
    const policy: DemoPolicy = { ...LOCAL, paymentDeclineRules: [] };
    // WHEN the scenario is built
    const s = scenario({ policy });
    // THEN it has no declined orders and says so
    expect(s.orders.some((o) => o.kind === 'payment-declined')).toBe(false);
    expect(s.notes).toEqual([expect.stringContaining('no payment decline rule')]);
  });

  it('fails for a number of orders outside 1..100000', () => {
    // GIVEN impossible order counts
    // WHEN a scenario is built for each
    // THEN it fails with a ScenarioError
    for (const orders of [0, 100_001, 2.5]) expect(() => scenario({ orders })).toThrow(ScenarioError);
  });

  it('GIVEN an id prefix THEN every order id and the malformed event start with it', () => {
    const s = scenario({ orders: 12, idPrefix: 'bench' });

    expect(s.orders.every((o) => o.order.orderId.startsWith('bench-'))).toBe(true);
    expect(s.malformed.id.startsWith('bench-')).toBe(true);
  });

  it('fails for an id prefix that is not a short lowercase word', () => {
    expect(() => scenario({ idPrefix: 'Bench-1' })).toThrow(/id prefix/);
  });

  it('fails when the stage rules would end an order elsewhere than it was built for', () => {
    // GIVEN a stage whose largest accepted order is tiny: fulfilled orders would be rejected
    const policy: DemoPolicy = { ...LOCAL, maxOrderAmount: 100 };
    // WHEN the scenario is built
    // THEN it fails naming the order and both outcomes
    expect(() => scenario({ policy })).toThrow(/built to end FULFILLED, would end REJECTED/);
  });

  it('builds a malformed OrderPlaced that the contract refuses but that is traceable by its id', () => {
    // GIVEN the scenario's malformed event
    const { malformed } = scenario();
    // WHEN its detail is checked against the OrderPlaced contract
    const parsed = OrderPlaced.detail.safeParse(malformed.detail);
    // THEN it is refused, and its correlation id is the malformed event's id
    expect(parsed.success).toBe(false);
    expect(malformed.detail).toMatchObject({ metadata: { correlationId: malformed.id, eventId: EVENT_ID } });
    expect(malformed.id).toBe('demo-ab12cd-malformed');
  });

  it('expects the malformed event in the DLQ of the only consumer of OrderPlaced', () => {
    // GIVEN the scenario
    // WHEN its dead-letter expectations are read
    // THEN validate-order dead-letters it; analytics, which counts final facts only, never receives it
    expect(scenario().expectedDeadLetters).toEqual({ ValidateOrderDlqUrl: 1 });
  });
});

describe('expectedOutcome', () => {
  const stock = new Map([['sku-a', 5]]);
  const order = {
    orderId: 'demo-x-001-ok',
    customerId: 'cus-1',
    currency: 'EUR',
    lines: [{ productId: 'sku-a', quantity: 2, unitPrice: 100 }],
    totalAmount: 200,
  };

  it('follows validation, then stock, then payment', () => {
    // GIVEN one order and variants of it
    // WHEN the domain's rules are applied
    // THEN each ends where the first rule it breaks sends it
    expect(expectedOutcome(order, LOCAL, stock)).toEqual({ status: 'FULFILLED' });
    expect(expectedOutcome({ ...order, currency: 'JPY' }, LOCAL, stock)).toEqual({
      status: 'REJECTED',
      reason: REJECTION_REASONS.currencyNotAccepted,
    });
    const sixUnits = {
      ...order,
      lines: [{ productId: 'sku-a', quantity: 6, unitPrice: 100 }],
      totalAmount: 600,
    };
    expect(expectedOutcome(sixUnits, LOCAL, stock)).toEqual({ status: 'CANCELLED', reason: 'OUT_OF_STOCK' });
    expect(
      expectedOutcome({ ...order, customerId: `${TEST_ORDER_PREFIX.declinedCustomer}cus-1` }, LOCAL, stock),
    ).toEqual({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED' });
  });

  it('treats a product without stock as out of stock', () => {
    // GIVEN an order for a product that was never stocked
    const unknown = { ...order, lines: [{ productId: 'sku-none', quantity: 1, unitPrice: 200 }] };
    // WHEN its outcome is computed
    // THEN it is cancelled for lack of stock
    expect(expectedOutcome(unknown, LOCAL, stock)).toMatchObject({ reason: 'OUT_OF_STOCK' });
  });
});

describe('expectedAnalytics', () => {
  it('counts the final fact of every order once, and revenue and units of fulfilled orders only', () => {
    // GIVEN the 20-order scenario
    const s = scenario();
    // WHEN its analytics are computed
    const a = expectedAnalytics(s.orders);
    // THEN each order is counted once, by the fact that ended it, and no intermediate fact is counted
    const counts = Object.fromEntries(Object.entries(a.totals).filter(([k]) => k.startsWith('count_')));
    expect(counts).toEqual({
      count_OrderRejected: 4,
      count_OutOfStock: 2,
      count_OrderCancelled: 2,
      count_OrderFulfilled: 12,
    });
    // AND revenue is the sum of the fulfilled totals per currency
    const fulfilled = s.orders.filter((o) => o.kind === 'fulfilled');
    const eur = fulfilled
      .filter((o) => o.order.currency === 'EUR')
      .reduce((n, o) => n + o.order.totalAmount, 0);
    expect(a.totals.revenue_EUR).toBe(eur);
    // AND units per product add up to the units fulfilled orders took
    const scarceUnits = a.products[SCARCE_PRODUCT.productId]?.units;
    expect(scarceUnits).toBe(s.products.find((p) => p.scarce)?.initialStock);
  });
});
