import { describe, expect, it } from '@jest/globals';
import {
  ORDER_REJECTED,
  ORDER_VALIDATED,
  OrderPlaced,
  OrderRejected,
  OrderValidated,
  type OrderValidatedDetail,
} from '../../../lambda/contracts';
import { REJECTION_REASONS } from '../../../lambda/domain/business-rules';
import { EventTooLargeError } from '../../../lambda/domain/errors';
import { orderSummaryOf } from '../../../lambda/domain/order';
import { reserveStock } from '../../../lambda/domain/reserve-stock';
import { validateOrder } from '../../../lambda/domain/validate-order';
import { CrashError, crashOnce, fakeWorld } from '../fakes/step-deps';
import { anOrder, detailOf } from '../support/events';
import { charged, shop } from '../support/flow';

const policy = { currencies: ['EUR', 'USD'], maxOrderAmount: 100_000 };

function placed(overrides: Parameters<typeof anOrder>[0] = {}) {
  const order = anOrder(overrides);
  return detailOf(OrderPlaced, order);
}

describe('validateOrder', () => {
  it('GIVEN a valid order WHEN validated THEN it is created VALIDATED and OrderValidated is published once', async () => {
    const world = fakeWorld();
    const event = placed();

    const result = await validateOrder(event, { ...world, policy });

    expect(result).toEqual({ outcome: 'transitioned', published: ORDER_VALIDATED });
    const order = await world.orders.get(event.data.orderId);
    expect(order?.status).toBe('VALIDATED');
    expect(order?.history).toEqual([
      { status: 'VALIDATED', at: '2025-03-14T10:00:00.000Z', eventId: event.metadata.eventId },
    ]);
    expect(world.publisher.published).toHaveLength(1);
    const [published] = world.publisher.published;
    expect(OrderValidated.detail.parse(published?.detail)).toEqual(published?.detail);
    expect(published?.detail.metadata).toMatchObject({
      correlationId: event.data.orderId,
      causationId: event.metadata.eventId,
      idempotencyKey: `${event.data.orderId}:${ORDER_VALIDATED}`,
      schemaVersion: '1',
    });
    expect(world.orders.storedEvent(event.data.orderId)).toEqual(published);
  });

  it.each([
    ['the total is not the sum of the lines', { totalAmount: 1 }, REJECTION_REASONS.totalMismatch],
    ['the currency is not accepted', { currency: 'JPY' }, REJECTION_REASONS.currencyNotAccepted],
    [
      'the total is above the maximum',
      { lines: [{ productId: 'sku-gold', quantity: 1, unitPrice: 100_001 }] },
      REJECTION_REASONS.aboveMaximum,
    ],
    [
      'a product is on two lines',
      {
        lines: [
          { productId: 'sku-apple', quantity: 1, unitPrice: 10 },
          { productId: 'sku-apple', quantity: 2, unitPrice: 10 },
        ],
      },
      REJECTION_REASONS.duplicateProducts,
    ],
  ])(
    'GIVEN an order where %s WHEN validated THEN it ends REJECTED with that reason',
    async (_, overrides, reason) => {
      const world = fakeWorld();
      const event = placed(overrides);

      const result = await validateOrder(event, { ...world, policy });

      expect(result).toEqual({ outcome: 'transitioned', published: ORDER_REJECTED });
      expect((await world.orders.get(event.data.orderId))?.status).toBe('REJECTED');
      const [published] = world.publisher.published;
      expect(published?.detailType).toBe(ORDER_REJECTED);
      expect(OrderRejected.detail.parse(published?.detail).data.reasons).toEqual([reason]);
    },
  );

  it('GIVEN the same order placed twice with new event ids WHEN both are validated THEN one order and one event result (scenario 2)', async () => {
    const world = fakeWorld();
    const first = placed();
    const retry = { ...first, metadata: { ...first.metadata, eventId: crypto.randomUUID() } };

    await validateOrder(first, { ...world, policy });
    const result = await validateOrder(retry, { ...world, policy });

    expect(result).toEqual({ outcome: 'duplicate' });
    expect(world.orders.appliedWrites).toHaveLength(1);
    expect(world.publisher.published).toHaveLength(1);
  });

  it('GIVEN two concurrent deliveries of one order WHEN processed together THEN one write wins and the other adds no new fact (scenario 4)', async () => {
    const world = fakeWorld();
    const event = placed();

    const [first, second] = await Promise.all([
      validateOrder(event, { ...world, policy }),
      validateOrder(event, { ...world, policy }),
    ]);

    expect(first.outcome).toBe('transitioned');
    // The loser cannot tell the winner from a crashed delivery, so it sends the stored event too: the
    // same fact with the same keys, which every consumer treats as a repeat.
    expect(second).toEqual({ outcome: 'republished', published: ORDER_VALIDATED });
    expect(world.orders.appliedWrites).toEqual([`create ${event.data.orderId} VALIDATED`]);
    const ids = world.publisher.ofType(ORDER_VALIDATED).map((e) => e.detail.metadata.eventId);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
  });

  it('fails with the crash after the write, and the redelivery publishes the stored event once without writing again (scenario 10)', async () => {
    const s = shop();
    const event = placed();

    await expect(validateOrder(event, crashOnce({ ...s, policy }, 'after-write'))).rejects.toThrow(
      CrashError,
    );
    expect(s.publisher.published).toHaveLength(0);
    const stored = s.orders.storedEvent(event.data.orderId);

    const redelivery = await validateOrder(event, { ...s, policy });

    expect(redelivery).toEqual({ outcome: 'republished', published: ORDER_VALIDATED });
    expect(s.orders.appliedWrites).toHaveLength(1);
    expect(s.publisher.published).toEqual([stored]);
  });

  it('GIVEN the order moved on after its OrderValidated WHEN OrderPlaced is redelivered THEN nothing is published', async () => {
    const s = shop();
    const event = placed();
    await validateOrder(event, { ...s, policy });
    await reserveStock(s.publisher.published[0]?.detail as OrderValidatedDetail, s);
    const before = s.publisher.published.length;

    const redelivery = await validateOrder(event, { ...s, policy });

    expect(redelivery).toEqual({ outcome: 'duplicate' });
    expect(s.publisher.published).toHaveLength(before);
  });

  it('GIVEN the order is PAID WHEN its OrderPlaced is redelivered, as a retry and as a new event THEN nothing is published', async () => {
    const s = shop();
    const paid = await charged(s, anOrder());
    const placedEventId = (await s.orders.get(paid.data.orderId))?.history[0]?.eventId ?? '';
    const first = detailOf(OrderPlaced, orderSummaryOf(paid.data), { eventId: placedEventId });
    const before = s.publisher.published.length;

    const retry = await validateOrder(first, { ...s, policy });
    const newEvent = await validateOrder(placed({ ...orderSummaryOf(paid.data) }), { ...s, policy });

    expect([retry, newEvent]).toEqual([{ outcome: 'duplicate' }, { outcome: 'duplicate' }]);
    expect(s.publisher.published).toHaveLength(before);
    expect((await s.orders.get(paid.data.orderId))?.status).toBe('PAID');
  });

  it('fails when the publish fails after the write, and the redelivery still publishes the stored event (scenario 13)', async () => {
    const world = fakeWorld();
    world.publisher.failures = 1;
    const event = placed();

    await expect(validateOrder(event, { ...world, policy })).rejects.toThrow('bus unavailable');
    const afterFailure = world.orders.storedEvent(event.data.orderId);
    expect((await world.orders.get(event.data.orderId))?.status).toBe('VALIDATED');
    expect(world.publisher.published).toHaveLength(0);

    const redelivery = await validateOrder(event, { ...world, policy });

    expect(redelivery.outcome).toBe('republished');
    expect(world.publisher.published).toEqual([afterFailure]);
  });

  it('fails when crashing after the publish, before the acknowledgement, and the redelivery re-sends the same fact with the same keys', async () => {
    const world = fakeWorld();
    const event = placed();
    const publish = world.publisher.publish.bind(world.publisher);
    let crashes = 1;
    world.publisher.publish = async (events) => {
      await publish(events);
      if (crashes-- > 0) throw new CrashError('crash after the publish');
    };

    await expect(validateOrder(event, { ...world, policy })).rejects.toThrow(CrashError);
    await validateOrder(event, { ...world, policy });

    const [first, second] = world.publisher.published;
    expect(world.publisher.published).toHaveLength(2);
    expect(second?.detail.metadata.eventId).toBe(first?.detail.metadata.eventId);
    expect(second?.detail.metadata.idempotencyKey).toBe(first?.detail.metadata.idempotencyKey);
    expect(world.orders.appliedWrites).toHaveLength(1);
  });

  it('fails before any write when the outgoing event would be too large (scenario 16)', async () => {
    const world = fakeWorld({ maxEventBytes: 200 });
    const event = placed();

    await expect(validateOrder(event, { ...world, policy })).rejects.toThrow(EventTooLargeError);
    expect(world.orders.items.size).toBe(0);
    expect(world.publisher.published).toHaveLength(0);
  });

  it('fails when the table is unavailable, publishing nothing (scenario 8)', async () => {
    const world = fakeWorld();
    world.orders.outage = new Error('ProvisionedThroughputExceededException');

    await expect(validateOrder(placed(), { ...world, policy })).rejects.toThrow('ProvisionedThroughput');
    expect(world.publisher.published).toHaveLength(0);
  });

  it('GIVEN a crash before the write WHEN redelivered THEN the order is validated normally', async () => {
    const world = fakeWorld();
    const event = placed();

    await expect(validateOrder(event, crashOnce({ ...world, policy }, 'before-write'))).rejects.toThrow(
      CrashError,
    );
    expect(world.orders.items.size).toBe(0);
    expect(await validateOrder(event, { ...world, policy })).toEqual({
      outcome: 'transitioned',
      published: ORDER_VALIDATED,
    });
  });
});
