import { describe, expect, it } from '@jest/globals';
import { analyticsKey, seenMarkerKey } from '../../../../lambda/adapters/analytics-repository';
import { loadStageConfig } from '../../../../lib/config';
import {
  evaluate,
  type Observation,
  type ObservedOrder,
  stateLabel,
  summariseAnalytics,
} from '../../src/demo/outcome';
import { buildScenario, type Scenario } from '../../src/demo/scenario';

const SCENARIO: Scenario = buildScenario({
  runId: 'ef34',
  orders: 10,
  policy: loadStageConfig('local'),
  now: new Date('2026-11-26T12:00:00.000Z'),
  eventId: '7d0f8a52-3c1e-4b7a-9d55-0f6f2c3a9b10',
});

/** What a run that went exactly as built leaves behind. */
function asBuilt(): Observation {
  return {
    orders: new Map(SCENARIO.orders.map((o) => [o.order.orderId, { ...o.expected }])),
    stock: new Map(SCENARIO.products.map((p) => [p.productId, p.expectedStock])),
    analytics: SCENARIO.expectedAnalytics,
    deadLetters: { ...SCENARIO.expectedDeadLetters, ReserveStockDlqUrl: 0, ValidateOrderTargetDlqUrl: 0 },
    malformed: { ValidateOrderDlqUrl: 'original-body' },
  };
}

function withOrder(observation: Observation, orderId: string, order: ObservedOrder | undefined): Observation {
  const orders = new Map(observation.orders);
  if (order) orders.set(orderId, order);
  else orders.delete(orderId);
  return { ...observation, orders };
}

const orderOf = (kind: string) => {
  const found = SCENARIO.orders.find((o) => o.kind === kind);
  if (!found) throw new Error(`no ${kind} order`);
  return found;
};

describe('evaluate', () => {
  it('passes a run that ended exactly as built', () => {
    // GIVEN an observation equal to every expectation
    // WHEN it is evaluated
    const outcome = evaluate(SCENARIO, asBuilt());
    // THEN it passes, and the state table has expected = actual per final state
    expect(outcome.passed).toBe(true);
    expect(outcome.problems).toEqual([]);
    expect(outcome.states).toEqual([
      { label: 'FULFILLED', expected: 6, actual: 6 },
      { label: 'REJECTED', expected: 2, actual: 2 },
      { label: 'CANCELLED OUT_OF_STOCK', expected: 1, actual: 1 },
      { label: 'CANCELLED PAYMENT_DECLINED', expected: 1, actual: 1 },
    ]);
  });

  it('fails listing each order that ended elsewhere, was never created, or is not final', () => {
    // GIVEN three orders that did not end as built
    const oos = orderOf('out-of-stock');
    const declined = orderOf('payment-declined');
    const ok = orderOf('fulfilled');
    let observation = withOrder(asBuilt(), oos.order.orderId, { status: 'FULFILLED' });
    observation = withOrder(observation, declined.order.orderId, undefined);
    observation = withOrder(observation, ok.order.orderId, { status: 'RESERVED' });
    // WHEN evaluated
    const outcome = evaluate(SCENARIO, observation);
    // THEN it fails with those three orders, their expected and actual states
    expect(outcome.passed).toBe(false);
    expect(outcome.orderMismatches).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ orderId: oos.order.orderId, actual: { status: 'FULFILLED' } }),
        expect.objectContaining({ orderId: declined.order.orderId, actual: undefined }),
        expect.objectContaining({ orderId: ok.order.orderId, actual: { status: 'RESERVED' } }),
      ]),
    );
    expect(outcome.orderMismatches).toHaveLength(3);
    expect(outcome.states.map((s) => s.label)).toEqual(
      expect.arrayContaining(['no order item', 'RESERVED (not final)']),
    );
  });

  it('fails an order that reached the right status for the wrong reason', () => {
    // GIVEN the out-of-stock order cancelled as if its payment had been declined
    const oos = orderOf('out-of-stock');
    const observation = withOrder(asBuilt(), oos.order.orderId, {
      status: 'CANCELLED',
      reason: 'PAYMENT_DECLINED',
    });
    // WHEN evaluated
    // THEN it is a mismatch
    expect(evaluate(SCENARIO, observation).orderMismatches.map((m) => m.orderId)).toEqual([
      oos.order.orderId,
    ]);
  });

  it.each([
    ['absent', 'the malformed event demo-ef34-malformed is not in ValidateOrderDlqUrl'],
    ['changed-body', 'the malformed event in ValidateOrderDlqUrl does not have the body it was sent with'],
  ] as const)('fails when the malformed event in its DLQ is %s', (state, problem) => {
    // GIVEN the event missing from its DLQ, or altered there
    const observation: Observation = { ...asBuilt(), malformed: { ValidateOrderDlqUrl: state } };
    // WHEN evaluated
    const outcome = evaluate(SCENARIO, observation);
    // THEN that is the problem
    expect(outcome.passed).toBe(false);
    expect(outcome.problems).toEqual([problem]);
  });

  it('fails when another DLQ holds messages, stock differs, or analytics counted twice', () => {
    // GIVEN a message in the reserve-stock DLQ, oversold stock and a double-counted event
    const built = asBuilt();
    const scarce = SCENARIO.products.find((p) => p.scarce);
    const observation: Observation = {
      ...built,
      deadLetters: { ...built.deadLetters, ReserveStockDlqUrl: 1 },
      stock: new Map([...built.stock, [scarce?.productId ?? '', -1]]),
      analytics: {
        ...built.analytics,
        totals: {
          ...built.analytics.totals,
          count_OrderFulfilled: (built.analytics.totals.count_OrderFulfilled ?? 0) + 1,
        },
      },
    };
    // WHEN evaluated
    const outcome = evaluate(SCENARIO, observation);
    // THEN each is reported, while every order still matches
    expect(outcome.passed).toBe(false);
    expect(outcome.orderMismatches).toEqual([]);
    expect(outcome.problems).toEqual([
      'ReserveStockDlqUrl holds 1 message(s), expected 0',
      `stock of ${scarce?.productId} is -1, expected 0`,
      'analytics count_OrderFulfilled is 7, expected 6',
    ]);
  });
});

describe('stateLabel', () => {
  it('names final states, splits CANCELLED by reason and marks the rest not final', () => {
    // GIVEN order items in various states
    // WHEN labelled
    // THEN the labels group them as the report does
    expect(stateLabel({ status: 'FULFILLED' })).toBe('FULFILLED');
    expect(stateLabel({ status: 'REJECTED', reason: 'currency not accepted' })).toBe('REJECTED');
    expect(stateLabel({ status: 'CANCELLED', reason: 'OUT_OF_STOCK' })).toBe('CANCELLED OUT_OF_STOCK');
    expect(stateLabel({ status: 'PAID' })).toBe('PAID (not final)');
    expect(stateLabel(undefined)).toBe('no order item');
  });
});

describe('summariseAnalytics', () => {
  it('sums daily totals and per-product counters over shards and days, ignoring seen-markers', () => {
    // GIVEN aggregate items on two shards and two days, and a seen-marker, keyed as the repository keys them
    const items = [
      {
        ...analyticsKey({ kind: 'day-totals', day: '2026-11-26', shard: 0 }),
        count_OrderPlaced: 2,
        revenue_EUR: 100,
      },
      { ...analyticsKey({ kind: 'day-totals', day: '2026-11-26', shard: 5 }), count_OrderPlaced: 3 },
      {
        ...analyticsKey({ kind: 'day-totals', day: '2026-11-27', shard: 1 }),
        count_OrderPlaced: 1,
        revenue_EUR: 50,
      },
      { ...analyticsKey({ kind: 'product-day', productId: 'sku-a', day: '2026-11-26', shard: 0 }), units: 2 },
      { ...analyticsKey({ kind: 'product-day', productId: 'sku-a', day: '2026-11-26', shard: 7 }), units: 1 },
      { ...seenMarkerKey('demo-1:OrderPlaced'), ttl: 1_800_000_000, eventId: 'e' },
    ];
    // WHEN they are summarised
    // THEN every counter is the sum over its items
    expect(summariseAnalytics(items)).toEqual({
      totals: { count_OrderPlaced: 6, revenue_EUR: 150 },
      products: { 'sku-a': { units: 3 } },
    });
  });
});
