import { describe, expect, it } from '@jest/globals';
import { loadStageConfig } from '../../../../lib/config';
import { faultReport } from '../../src/bench/faults';
import { malformedEvent } from '../../src/demo/malformed';
import { evaluate, type Observation } from '../../src/demo/outcome';
import { buildScenario } from '../../src/demo/scenario';

const NOW = new Date('2026-11-26T10:00:00Z');
const scenario = buildScenario({
  runId: 'f1',
  idPrefix: 'bench',
  orders: 10,
  policy: loadStageConfig('local'),
  now: NOW,
  eventId: '7d0c9a52-3b1f-4a53-9a8e-9d7f3c2e1b10',
});
const poison = [1, 2].map((i) =>
  malformedEvent(`bench-f1-poison-${i}`, { now: NOW, eventId: `7d0c9a52-3b1f-4a53-9a8e-9d7f3c2e1b1${i}` }),
);
const eventBody = (detail: unknown) =>
  JSON.stringify({ source: 'orders.client', 'detail-type': 'OrderPlaced', detail });

function observe(statuses: Map<string, string | undefined>, stockDelta = 0): Observation {
  return {
    orders: new Map(
      [...statuses].map(([id, status]) => [
        id,
        { status, reason: scenario.orders.find((o) => o.order.orderId === id)?.expected.reason },
      ]),
    ),
    stock: new Map(
      scenario.products.map((p, i) => [p.productId, p.expectedStock - (i === 0 ? stockDelta : 0)]),
    ),
    analytics: scenario.expectedAnalytics,
    deadLetters: {},
    malformed: {},
  };
}

function asBuilt(): Map<string, string | undefined> {
  return new Map(scenario.orders.map((o) => [o.order.orderId, o.expected.status]));
}

const histories = new Map(
  scenario.orders.map((o) => [
    o.order.orderId,
    [
      { status: 'VALIDATED', at: 1 },
      { status: o.expected.status, at: 2 },
    ],
  ]),
);

function report(
  statuses: Map<string, string | undefined>,
  extra: Partial<Parameters<typeof faultReport>[0]> = {},
) {
  return faultReport({
    faultRate: 0.05,
    poisonRate: 0.2,
    injected: 3,
    scenario,
    outcome: evaluate(scenario, observe(statuses)),
    statuses,
    orderIds: new Map(),
    histories,
    poison,
    deadLetterBodies: {},
    poisonQueueKey: 'ValidateOrderDlqUrl',
    ...extra,
  });
}

describe('faultReport', () => {
  it('GIVEN every order as built and every poison event in the DLQ THEN nothing lost or duplicated', () => {
    const r = report(asBuilt(), {
      deadLetterBodies: { ValidateOrderDlqUrl: poison.map((p) => eventBody(p.detail)) },
    });

    expect(r).toMatchObject({
      lost: 0,
      deadLettered: 0,
      wrongState: 0,
      duplicated: 0,
      poisonSent: 2,
      poisonInDlq: 2,
      injected: 3,
    });
  });

  it('fails to count an order as anything but lost when it is not final and no DLQ holds it', () => {
    const statuses = asBuilt();
    const [first, second] = scenario.orders;
    statuses.set(first?.order.orderId ?? '', 'RESERVED');
    statuses.set(second?.order.orderId ?? '', undefined);
    const dlqBody = eventBody({ data: { orderId: second?.order.orderId } });

    const r = report(statuses, { deadLetterBodies: { ValidateOrderDlqUrl: [dlqBody] } });

    expect(r).toMatchObject({ lost: 1, deadLettered: 1 });
  });

  it('GIVEN an order placed through the API THEN its dead letter is found by the id the API gave it', () => {
    const statuses = asBuilt();
    const [first, second] = scenario.orders;
    statuses.set(first?.order.orderId ?? '', 'RESERVED');
    statuses.set(second?.order.orderId ?? '', 'RESERVED');
    const apiId = '0b3f5d1e-8c2a-8a4b-9c3d-1e2f3a4b5c6d';
    const dlqBody = eventBody({ data: { orderId: apiId } });

    const r = report(statuses, {
      orderIds: new Map([[second?.order.orderId ?? '', apiId]]),
      deadLetterBodies: { ValidateOrderDlqUrl: [dlqBody] },
    });

    expect(r).toMatchObject({ lost: 1, deadLettered: 1 });
  });

  it('GIVEN a repeated status, stock taken twice and a fact counted twice THEN each is a duplicated effect', () => {
    const statuses = asBuilt();
    const doubled = new Map(histories);
    const id = scenario.orders[0]?.order.orderId ?? '';
    doubled.set(id, [
      { status: 'RESERVED', at: 1 },
      { status: 'RESERVED', at: 2 },
      { status: 'FULFILLED', at: 3 },
    ]);
    const observation = observe(statuses, 2);
    const counted = {
      ...observation,
      analytics: {
        ...scenario.expectedAnalytics,
        totals: {
          ...scenario.expectedAnalytics.totals,
          count_OrderFulfilled: (scenario.expectedAnalytics.totals.count_OrderFulfilled ?? 0) + 1,
        },
      },
    };

    const r = report(statuses, { histories: doubled, outcome: evaluate(scenario, counted) });

    expect(r.duplicates).toEqual({ repeatedTransitions: 1, stockOverReserved: 2, analyticsOverCounted: 1 });
    expect(r.duplicated).toBe(4);
  });

  it('GIVEN a poison event whose body changed on the way THEN it does not count as in the DLQ', () => {
    const changed = { ...poison[1]?.detail, extra: true };

    const r = report(asBuilt(), {
      deadLetterBodies: { ValidateOrderDlqUrl: [eventBody(poison[0]?.detail), eventBody(changed)] },
    });

    expect(r.poisonInDlq).toBe(1);
  });
});
