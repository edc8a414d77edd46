import { describe, expect, it } from '@jest/globals';
import { OrderFulfilled, OrderPlaced, PaymentSucceeded } from '../../../lambda/contracts';
import {
  AnalyticsConflictError,
  contributionsOf,
  countAttribute,
  dayOf,
  planWrites,
  recordAnalytics,
  revenueAttribute,
  shardOf,
  UNITS_ATTRIBUTE,
} from '../../../lambda/domain/analytics';
import type { IncomingEvent } from '../../../lambda/domain/events';
import { InMemoryAnalytics } from '../fakes/in-memory-analytics';
import { SilentLogger } from '../fakes/step-deps';
import { anOrder, detailOf } from '../support/events';

const SHARDS = 4;

function placed(orderId: string = crypto.randomUUID()): IncomingEvent {
  return { detailType: 'OrderPlaced', detail: detailOf(OrderPlaced, anOrder({ orderId })) };
}

function paid(orderId: string, totalAmount: number): IncomingEvent {
  const order = anOrder({ orderId, lines: [{ productId: 'sku-a', quantity: 1, unitPrice: totalAmount }] });
  return {
    detailType: 'PaymentSucceeded',
    detail: detailOf(PaymentSucceeded, { ...order, paymentId: 'pay-1' }),
  };
}

function fulfilled(orderId: string, lineCount = 2): IncomingEvent {
  const lines = Array.from({ length: lineCount }, (_, i) => ({
    productId: `sku-${i}`,
    quantity: 2,
    unitPrice: 100,
  }));
  const order = anOrder({ orderId, lines });
  return {
    detailType: 'OrderFulfilled',
    detail: detailOf(OrderFulfilled, { ...order, fulfilmentId: 'ful-1' }),
  };
}

function deps(repository: InMemoryAnalytics, maxItemsPerWrite = 100) {
  return { repository, shards: SHARDS, maxItemsPerWrite, logger: new SilentLogger() };
}

describe('contributionsOf', () => {
  it('GIVEN a PaymentSucceeded WHEN aggregated THEN the day counts it and adds its revenue in its currency', () => {
    const event = paid('order-1', 4_200);
    const day = dayOf(event.detail.metadata.occurredAt);

    expect(contributionsOf(event, SHARDS)).toEqual([
      {
        key: { kind: 'day-totals', day, shard: shardOf('order-1', SHARDS) },
        add: { [countAttribute('PaymentSucceeded')]: 1, [revenueAttribute('EUR')]: 4_200 },
      },
    ]);
  });

  it('GIVEN an OrderFulfilled WHEN aggregated THEN every product gets its units and revenue on the day', () => {
    const updates = contributionsOf(fulfilled('order-1', 2), SHARDS);

    expect(updates.map((u) => u.key.kind)).toEqual(['day-totals', 'product-day', 'product-day']);
    expect(updates[1]?.add).toEqual({ [UNITS_ATTRIBUTE]: 2, [revenueAttribute('EUR')]: 200 });
  });
});

describe('shardOf and dayOf', () => {
  it('GIVEN many order ids WHEN sharded THEN each lands on a stable shard and every shard is used', () => {
    const shards = Array.from({ length: 200 }, (_, i) => shardOf(`order-${i}`, SHARDS));
    expect(new Set(shards)).toEqual(new Set([0, 1, 2, 3]));
    expect(shardOf('order-7', SHARDS)).toBe(shards[7]);
  });

  it('GIVEN a time with an offset WHEN bucketed THEN the UTC day is used', () => {
    expect(dayOf('2025-03-14T23:30:00-02:00')).toBe('2025-03-15');
  });
});

describe('planWrites', () => {
  it('GIVEN events whose items exceed one write WHEN planned THEN no write holds more than the limit', () => {
    const items = Array.from({ length: 12 }, (_, i) => {
      const event = fulfilled(`order-${i}`, 25);
      return { event, counters: contributionsOf(event, SHARDS) };
    });

    const writes = planWrites(items, 100);

    expect(writes.flat()).toHaveLength(12);
    expect(writes.length).toBeGreaterThan(1);
    for (const write of writes) {
      const counterItems = new Set(write.flatMap((i) => i.counters.map((c) => JSON.stringify(c.key))));
      expect(write.length + counterItems.size).toBeLessThanOrEqual(100);
    }
  });
});

describe('recordAnalytics', () => {
  it('GIVEN a batch of new events WHEN recorded THEN each is counted once, in one write', async () => {
    const repository = new InMemoryAnalytics();
    const events = [placed('order-1'), placed('order-2'), paid('order-1', 3_000), fulfilled('order-1')];

    const outcomes = await recordAnalytics(events, deps(repository));

    expect([...outcomes.values()]).toEqual(Array(4).fill({ status: 'counted' }));
    expect(repository.writes).toHaveLength(1);
    expect(repository.total(countAttribute('OrderPlaced'))).toBe(2);
    expect(repository.total(revenueAttribute('EUR'))).toBe(3_000);
    expect(repository.total(UNITS_ATTRIBUTE, 'product-day')).toBe(4);
  });

  it('GIVEN the same fact twice in one batch (new EventBridge id) WHEN recorded THEN it is counted once (scenario 2)', async () => {
    const repository = new InMemoryAnalytics();
    const event = placed('order-1');

    const outcomes = await recordAnalytics([event, structuredClone(event)], deps(repository));

    expect(outcomes.get(event.detail.metadata.idempotencyKey)).toEqual({ status: 'counted' });
    expect(repository.total(countAttribute('OrderPlaced'))).toBe(1);
  });

  it('GIVEN a batch mixing counted and new events WHEN recorded THEN duplicates are skipped and new ones counted', async () => {
    const repository = new InMemoryAnalytics();
    const old = placed('order-1');
    await recordAnalytics([old], deps(repository));
    const fresh = placed('order-2');

    const outcomes = await recordAnalytics([old, fresh], deps(repository));

    expect(outcomes.get(old.detail.metadata.idempotencyKey)).toEqual({ status: 'duplicate' });
    expect(outcomes.get(fresh.detail.metadata.idempotencyKey)).toEqual({ status: 'counted' });
    expect(repository.total(countAttribute('OrderPlaced'))).toBe(2);
  });

  it('GIVEN a write that collides with a concurrent one WHEN recorded THEN its events are written one by one', async () => {
    const repository = new InMemoryAnalytics();
    repository.scripted.push('conflict');
    const events = [placed(), placed()];

    const outcomes = await recordAnalytics(events, deps(repository));

    expect([...outcomes.values()]).toEqual([{ status: 'counted' }, { status: 'counted' }]);
    expect(repository.writes.map((w) => w.markers.length)).toEqual([2, 1, 1]);
  });

  it('fails the event whose own write still collides, keeping the others', async () => {
    const repository = new InMemoryAnalytics();
    repository.scripted.push('conflict', 'conflict');
    const [first, second] = [placed(), placed()];

    const outcomes = await recordAnalytics([first, second] as IncomingEvent[], deps(repository));

    expect(outcomes.get(first?.detail.metadata.idempotencyKey ?? '')).toEqual({
      status: 'failed',
      error: expect.any(AnalyticsConflictError),
    });
    expect(outcomes.get(second?.detail.metadata.idempotencyKey ?? '')).toEqual({ status: 'counted' });
  });

  it('fails every event of a write that throws (table unavailable), counting nothing (scenario 8)', async () => {
    const repository = new InMemoryAnalytics();
    const outage = new Error('ProvisionedThroughputExceededException');
    repository.scripted.push(outage);

    const outcomes = await recordAnalytics([placed(), placed()], deps(repository));

    expect([...outcomes.values()]).toEqual([
      { status: 'failed', error: outage },
      { status: 'failed', error: outage },
    ]);
    expect(repository.counters.size).toBe(0);
  });
});
