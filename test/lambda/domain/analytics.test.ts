import { describe, expect, it } from '@jest/globals';
import {
  EVENT_CONTRACTS,
  FINAL_EVENT_CONTRACTS,
  OrderCancelled,
  OrderFulfilled,
  OrderPlaced,
  OrderRejected,
  OutOfStock,
  PaymentSucceeded,
} from '../../../lambda/contracts';
import {
  AnalyticsConflictError,
  COUNTED_DETAIL_TYPES,
  contributionsOf,
  countAttribute,
  dayOf,
  type Fact,
  planWrites,
  recordAnalytics,
  revenueAttribute,
  shardOf,
  UNITS_ATTRIBUTE,
  writeOf,
} from '../../../lambda/domain/analytics';
import type { IncomingEvent } from '../../../lambda/domain/events';
import { InMemoryAnalytics } from '../fakes/in-memory-analytics';
import { SilentLogger } from '../fakes/step-deps';
import { anOrder, detailOf } from '../support/events';

const SHARDS = 4;
const CONFLICT = { status: 'conflict' } as const;
const DAY = '2025-03-14';

function placed(orderId: string = crypto.randomUUID()): IncomingEvent {
  return { detailType: 'OrderPlaced', detail: detailOf(OrderPlaced, anOrder({ orderId })) };
}

function paid(orderId: string): IncomingEvent {
  return {
    detailType: 'PaymentSucceeded',
    detail: detailOf(PaymentSucceeded, { ...anOrder({ orderId }), paymentId: 'pay-1' }),
  };
}

/** A fulfilled order of `lineCount` lines of 2 units at 100 each (products sku-0, sku-1, ...). */
function fulfilled(orderId: string = crypto.randomUUID(), lineCount = 2, occurredAt?: string): IncomingEvent {
  const lines = Array.from({ length: lineCount }, (_, i) => ({
    productId: `sku-${i}`,
    quantity: 2,
    unitPrice: 100,
  }));
  const order = anOrder({ orderId, lines });
  return {
    detailType: 'OrderFulfilled',
    detail: detailOf(OrderFulfilled, { ...order, fulfilmentId: 'ful-1' }, occurredAt ? { occurredAt } : {}),
  };
}

function rejected(orderId: string = crypto.randomUUID()): IncomingEvent {
  return {
    detailType: 'OrderRejected',
    detail: detailOf(OrderRejected, { orderId, customerId: 'c-1', reasons: ['currency'] }),
  };
}

function outOfStock(orderId: string = crypto.randomUUID()): IncomingEvent {
  return {
    detailType: 'OutOfStock',
    detail: detailOf(OutOfStock, {
      orderId,
      customerId: 'c-1',
      unavailable: [{ productId: 'sku-0', requested: 3, available: 1 }],
    }),
  };
}

function cancelled(orderId: string = crypto.randomUUID()): IncomingEvent {
  return {
    detailType: 'OrderCancelled',
    detail: detailOf(OrderCancelled, {
      orderId,
      customerId: 'c-1',
      reason: 'PAYMENT_DECLINED',
      lines: [{ productId: 'sku-0', quantity: 1, unitPrice: 100 }],
    }),
  };
}

/** The same fact as EventBridge delivers it again: a new envelope, the same detail. */
const again = (event: IncomingEvent): IncomingEvent => structuredClone(event);

/** The same fact put again by its producer (a republish from the outbox): same keys, new event id. */
function republished(event: IncomingEvent): IncomingEvent {
  const copy = structuredClone(event) as { detail: { metadata: { eventId: string } } };
  copy.detail.metadata.eventId = crypto.randomUUID();
  return copy as IncomingEvent;
}

function deps(repository: InMemoryAnalytics, maxItemsPerWrite = 100) {
  return { repository, shards: SHARDS, maxItemsPerWrite, logger: new SilentLogger() };
}

function fact(event: IncomingEvent): Fact {
  return { event, contributions: contributionsOf(event) };
}

/** What the readers of the analytics table see: every shard of every item summed. */
function answers(repository: InMemoryAnalytics) {
  return {
    fulfilled: repository.total(countAttribute('OrderFulfilled')),
    rejected: repository.total(countAttribute('OrderRejected')),
    outOfStock: repository.total(countAttribute('OutOfStock')),
    cancelled: repository.total(countAttribute('OrderCancelled')),
    revenue: repository.total(revenueAttribute('EUR')),
    units: repository.total(UNITS_ATTRIBUTE, 'product-day'),
    productRevenue: repository.total(revenueAttribute('EUR'), 'product-day'),
  };
}

describe('the counted facts', () => {
  it('are exactly the final facts, one per way an order ends, and no intermediate one', () => {
    expect([...COUNTED_DETAIL_TYPES].sort()).toEqual(
      ['OrderCancelled', 'OrderFulfilled', 'OrderRejected', 'OutOfStock'].sort(),
    );
    // Each contract that calls itself final is counted, and only those.
    const final = EVENT_CONTRACTS.filter((c) => c.description.endsWith('Final.')).map((c) => c.detailType);
    expect(final.sort()).toEqual(FINAL_EVENT_CONTRACTS.map((c) => c.detailType).sort());
  });
});

describe('contributionsOf', () => {
  it('GIVEN an OrderFulfilled WHEN aggregated THEN the day counts the outcome and the order total, and every product gets its units and revenue', () => {
    const event = fulfilled('order-1', 2);

    expect(contributionsOf(event)).toEqual([
      {
        target: { kind: 'day-totals', day: DAY },
        add: { [countAttribute('OrderFulfilled')]: 1, [revenueAttribute('EUR')]: 400 },
      },
      { target: { kind: 'product-day', productId: 'sku-0', day: DAY }, add: { units: 2, revenue_EUR: 200 } },
      { target: { kind: 'product-day', productId: 'sku-1', day: DAY }, add: { units: 2, revenue_EUR: 200 } },
    ]);
  });

  it.each([
    ['OrderRejected', rejected],
    ['OutOfStock', outOfStock],
    ['OrderCancelled', cancelled],
  ])(
    'GIVEN an %s WHEN aggregated THEN only its outcome is counted on the day, with no revenue or units',
    (type, make) => {
      expect(contributionsOf(make())).toEqual([
        { target: { kind: 'day-totals', day: DAY }, add: { [countAttribute(type)]: 1 } },
      ]);
    },
  );
});

describe('shardOf and dayOf', () => {
  it('GIVEN many keys WHEN sharded THEN each lands on a stable shard and every shard is used', () => {
    const shards = Array.from({ length: 200 }, (_, i) => shardOf(`order-${i}`, SHARDS));
    expect(new Set(shards)).toEqual(new Set([0, 1, 2, 3]));
    expect(shardOf('order-7', SHARDS)).toBe(shards[7]);
  });

  it('GIVEN a time with an offset WHEN bucketed THEN the UTC day is used', () => {
    expect(dayOf('2025-03-14T23:30:00-02:00')).toBe('2025-03-15');
  });
});

describe('writeOf', () => {
  it('GIVEN ten final facts of one day WHEN written THEN one transaction holds their ten markers, ONE day-total update and one update per product, all on one shard', () => {
    const facts = [
      ...Array.from({ length: 6 }, () => fact(fulfilled(undefined, 2))),
      fact(rejected()),
      fact(outOfStock()),
      fact(cancelled()),
      fact(rejected()),
    ];

    const write = writeOf(facts, SHARDS);

    expect(write.markers).toHaveLength(10);
    expect(write.counters.map((c) => c.key.kind)).toEqual(['day-totals', 'product-day', 'product-day']);
    expect(new Set(write.counters.map((c) => c.key.shard))).toEqual(
      new Set([shardOf(facts[0]?.event.detail.metadata.idempotencyKey ?? '', SHARDS)]),
    );
    expect(write.counters[0]?.add).toEqual({
      count_OrderFulfilled: 6,
      count_OrderRejected: 2,
      count_OutOfStock: 1,
      count_OrderCancelled: 1,
      revenue_EUR: 6 * 400,
    });
    expect(write.counters[1]?.add).toEqual({ units: 12, revenue_EUR: 1_200 });
  });

  it('GIVEN facts of two days WHEN written THEN each day gets its own day-total update', () => {
    const write = writeOf(
      [
        fact(fulfilled('a', 1, '2025-03-14T23:59:59.000Z')),
        fact(fulfilled('b', 1, '2025-03-15T00:00:01.000Z')),
      ],
      SHARDS,
    );

    expect(write.counters.filter((c) => c.key.kind === 'day-totals').map((c) => c.key.day)).toEqual([
      '2025-03-14',
      '2025-03-15',
    ]);
  });

  it('GIVEN the same facts twice WHEN written THEN the same items are touched (a retried write lands where the first try would have)', () => {
    const facts = [fact(fulfilled('a')), fact(rejected('b'))];
    expect(writeOf(facts, SHARDS)).toEqual(writeOf(facts, SHARDS));
  });
});

describe('planWrites', () => {
  it('GIVEN facts whose items exceed one write WHEN planned THEN no write holds more than the limit and every fact is in one', () => {
    const facts = Array.from({ length: 12 }, () => {
      const event = fulfilled(undefined, 25);
      // 25 distinct products per order, so the writes fill up with product items
      const lines = event.detail.data as { lines: { productId: string }[] };
      for (const line of lines.lines) line.productId = `${line.productId}-${crypto.randomUUID()}`;
      return fact(event);
    });

    const writes = planWrites(facts, 100);

    expect(writes.flat()).toHaveLength(12);
    expect(writes.length).toBeGreaterThan(1);
    for (const facts of writes) {
      const write = writeOf(facts, SHARDS);
      expect(write.markers.length + write.counters.length).toBeLessThanOrEqual(100);
    }
  });
});

describe('recordAnalytics', () => {
  it('GIVEN a batch of final facts WHEN recorded THEN each order is counted once by outcome, with revenue and product sales, in one write', async () => {
    const repository = new InMemoryAnalytics();
    const events = [fulfilled('o-1'), fulfilled('o-2', 1), rejected(), outOfStock(), cancelled()];

    const outcomes = await recordAnalytics(events, deps(repository));

    expect([...outcomes.values()]).toEqual(Array(5).fill({ status: 'counted' }));
    expect(repository.writes).toHaveLength(1);
    expect(answers(repository)).toEqual({
      fulfilled: 2,
      rejected: 1,
      outOfStock: 1,
      cancelled: 1,
      revenue: 600,
      units: 6,
      productRevenue: 600,
    });
  });

  it('GIVEN intermediate events WHEN recorded THEN they are acknowledged as not counted and write nothing', async () => {
    const repository = new InMemoryAnalytics();
    const [p, s] = [placed('o-1'), paid('o-1')];

    const outcomes = await recordAnalytics([p, s], deps(repository));

    expect(outcomes.get(p.detail.metadata.idempotencyKey)).toEqual({ status: 'not-counted' });
    expect(outcomes.get(s.detail.metadata.idempotencyKey)).toEqual({ status: 'not-counted' });
    expect(repository.writes).toEqual([]);
  });

  it('GIVEN the same fact twice in one batch (redelivery, or a republish with a new event id) WHEN recorded THEN it is counted once (scenarios 2, 3)', async () => {
    const repository = new InMemoryAnalytics();
    const event = fulfilled('o-1');

    const outcomes = await recordAnalytics([event, again(event), republished(event)], deps(repository));

    expect(outcomes.get(event.detail.metadata.idempotencyKey)).toEqual({ status: 'counted' });
    expect(repository.writes[0]?.markers).toHaveLength(1);
    expect(answers(repository)).toMatchObject({ fulfilled: 1, revenue: 400, units: 4 });
  });

  it('GIVEN a fact counted earlier WHEN it is delivered again after the acknowledgement was lost (scenario 10) THEN it adds nothing', async () => {
    const repository = new InMemoryAnalytics();
    const event = fulfilled('o-1');
    await recordAnalytics([event], deps(repository));
    const before = answers(repository);

    const outcomes = await recordAnalytics([again(event)], deps(repository));

    expect(outcomes.get(event.detail.metadata.idempotencyKey)).toEqual({ status: 'duplicate' });
    expect(answers(repository)).toEqual(before);
  });

  it('GIVEN a day of counted facts WHEN the whole archive is replayed in other batches THEN the totals do not change (scenario 23)', async () => {
    const repository = new InMemoryAnalytics();
    const day = [
      ...Array.from({ length: 7 }, (_, i) => fulfilled(`o-${i}`, 1 + (i % 3))),
      rejected(),
      outOfStock(),
      cancelled(),
    ];
    for (const batch of [day.slice(0, 4), day.slice(4)]) await recordAnalytics(batch, deps(repository));
    const before = answers(repository);
    const writes = repository.writes.length;

    // The replay carries the archived details (same keys and event ids) in batches of another shape,
    // intermediate events among them, as the bus archive holds every event.
    const replay = [placed('o-0'), ...day.map(again).reverse(), paid('o-1')];
    const outcomes = await recordAnalytics(replay, deps(repository));

    expect(answers(repository)).toEqual(before);
    expect([...outcomes.values()].filter((o) => o.status === 'counted')).toEqual([]);
    expect([...outcomes.values()].filter((o) => o.status === 'duplicate')).toHaveLength(day.length);
    // One refused write names every fact already counted: nothing is left to write.
    expect(repository.writes.length - writes).toBe(1);
  });

  it('GIVEN a batch mixing counted and new facts WHEN recorded THEN duplicates are skipped and new ones counted', async () => {
    const repository = new InMemoryAnalytics();
    const old = fulfilled('o-old');
    await recordAnalytics([old], deps(repository));
    const fresh = rejected('o-new');

    const outcomes = await recordAnalytics([old, fresh], deps(repository));

    expect(outcomes.get(old.detail.metadata.idempotencyKey)).toEqual({ status: 'duplicate' });
    expect(outcomes.get(fresh.detail.metadata.idempotencyKey)).toEqual({ status: 'counted' });
    expect(answers(repository)).toMatchObject({ fulfilled: 1, rejected: 1, units: 4 });
    // The refused write named the counted fact; the new one went in the next write, alone.
    expect(repository.writes.slice(1).map((w) => w.markers.map((m) => m.idempotencyKey))).toEqual([
      [old.detail.metadata.idempotencyKey, fresh.detail.metadata.idempotencyKey],
      [fresh.detail.metadata.idempotencyKey],
    ]);
  });

  it('GIVEN two invocations counting overlapping batches at the same time WHEN both finish THEN every fact is counted exactly once (scenario 4)', async () => {
    const repository = new InMemoryAnalytics();
    const shared = [fulfilled('o-1'), rejected('o-2'), fulfilled('o-3', 1)];
    const onlyA = [outOfStock('o-4')];
    const onlyB = [cancelled('o-5'), fulfilled('o-6', 3)];

    const [a, b] = await Promise.all([
      recordAnalytics([...shared, ...onlyA], deps(repository)),
      recordAnalytics([...onlyB, ...shared.map(again).reverse()], deps(repository)),
    ]);

    // Each shared fact was counted by exactly one of the two, and is a duplicate for the other.
    for (const { detail } of shared) {
      const key = detail.metadata.idempotencyKey;
      expect([a.get(key)?.status, b.get(key)?.status].sort()).toEqual(['counted', 'duplicate']);
    }
    expect(answers(repository)).toEqual({
      fulfilled: 3,
      rejected: 1,
      outOfStock: 1,
      cancelled: 1,
      revenue: 400 + 200 + 600,
      units: 4 + 2 + 6,
      productRevenue: 1_200,
    });
  });

  it('GIVEN many concurrent copies of one fact WHEN recorded THEN one counts it and every other is a duplicate', async () => {
    const repository = new InMemoryAnalytics();
    const event = fulfilled('o-1');

    const results = await Promise.all(
      Array.from({ length: 6 }, () => recordAnalytics([again(event)], deps(repository))),
    );

    const statuses = results.map((r) => r.get(event.detail.metadata.idempotencyKey)?.status);
    expect(statuses.filter((s) => s === 'counted')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(5);
    expect(answers(repository)).toMatchObject({ fulfilled: 1, units: 4 });
  });

  it('GIVEN a batch whose facts another invocation counts between its writes WHEN recorded THEN each refusal removes the facts it names until the rest is written once', async () => {
    const repository = new InMemoryAnalytics();
    const [a, b, c] = [fulfilled('o-a'), rejected('o-b'), outOfStock('o-c')];
    const keys = [a, b, c].map((e) => e.detail.metadata.idempotencyKey);
    // a was counted before; b is counted by another invocation between this one's first and second write.
    await recordAnalytics([a], deps(repository));
    const apply = repository.apply.bind(repository);
    let calls = 0;
    repository.apply = async (write) => {
      calls++;
      if (calls === 2) repository.seen.add(keys[1] ?? '');
      return apply(write);
    };

    const outcomes = await recordAnalytics([a, b, c], deps(repository));

    expect(keys.map((k) => outcomes.get(k)?.status)).toEqual(['duplicate', 'duplicate', 'counted']);
    expect(repository.writes.slice(1).map((w) => w.markers.length)).toEqual([3, 2, 1]);
    expect(answers(repository)).toMatchObject({ fulfilled: 1, rejected: 0, outOfStock: 1 });
  });

  it('GIVEN a write that collides with a concurrent one WHEN recorded THEN its facts are written one by one', async () => {
    const repository = new InMemoryAnalytics();
    repository.scripted.push(CONFLICT);

    const outcomes = await recordAnalytics([fulfilled(), rejected()], deps(repository));

    expect([...outcomes.values()]).toEqual([{ status: 'counted' }, { status: 'counted' }]);
    expect(repository.writes.map((w) => w.markers.length)).toEqual([2, 1, 1]);
  });

  it('fails the fact whose own write still collides, keeping the others, so only it is redelivered', async () => {
    const repository = new InMemoryAnalytics();
    repository.scripted.push(CONFLICT, CONFLICT);
    const [first, second] = [fulfilled(), rejected()];

    const outcomes = await recordAnalytics([first, second], deps(repository));

    expect(outcomes.get(first.detail.metadata.idempotencyKey)).toEqual({
      status: 'failed',
      error: expect.any(AnalyticsConflictError),
    });
    expect(outcomes.get(second.detail.metadata.idempotencyKey)).toEqual({ status: 'counted' });

    // AND its redelivery counts it once
    const retried = await recordAnalytics([again(first)], deps(repository));
    expect(retried.get(first.detail.metadata.idempotencyKey)).toEqual({ status: 'counted' });
    expect(answers(repository)).toMatchObject({ fulfilled: 1, rejected: 1 });
  });

  it('fails every fact of a write that throws (table unavailable), counting nothing (scenario 8)', async () => {
    const repository = new InMemoryAnalytics();
    const outage = new Error('ProvisionedThroughputExceededException');
    repository.scripted.push(outage);

    const outcomes = await recordAnalytics([fulfilled(), rejected()], deps(repository));

    expect([...outcomes.values()]).toEqual([
      { status: 'failed', error: outage },
      { status: 'failed', error: outage },
    ]);
    expect(repository.counters.size).toBe(0);
  });

  it('GIVEN more facts than one transaction holds WHEN recorded THEN they go in several writes and each is counted once', async () => {
    const repository = new InMemoryAnalytics();
    const events = Array.from({ length: 30 }, (_, i) => fulfilled(`o-${i}`, 2));

    const outcomes = await recordAnalytics(events, deps(repository, 10));

    expect([...outcomes.values()].every((o) => o.status === 'counted')).toBe(true);
    expect(repository.writes.length).toBeGreaterThan(1);
    for (const write of repository.writes) {
      expect(write.markers.length + write.counters.length).toBeLessThanOrEqual(10);
    }
    expect(answers(repository)).toMatchObject({ fulfilled: 30, units: 120, revenue: 12_000 });
  });
});
