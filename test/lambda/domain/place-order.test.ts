import { describe, expect, it } from '@jest/globals';
import { ORDER_PLACED, ORDER_VALIDATED, OrderPlaced } from '../../../lambda/contracts';
import { orderIdFor, placedEventIdFor } from '../../../lambda/domain/ids';
import { IdempotencyKeyReusedError, placeOrder } from '../../../lambda/domain/place-order';
import { validateOrder } from '../../../lambda/domain/validate-order';
import { fakeWorld } from '../fakes/step-deps';
import { SECRET_CUSTOMER_ID } from '../support/events';

const CALLER = 'iam:arn:aws:iam::123456789012:role/storefront';
const body = {
  customerId: SECRET_CUSTOMER_ID,
  lines: [{ productId: 'sku-apple', quantity: 2, unitPrice: 1_500 }],
  currency: 'EUR',
  totalAmount: 3_000,
};
const command = (overrides: Partial<Parameters<typeof placeOrder>[0]> = {}) => ({
  caller: CALLER,
  idempotencyKey: 'key-1',
  order: body,
  ...overrides,
});
const policy = { currencies: ['EUR'], maxOrderAmount: 100_000 };

describe('placeOrder', () => {
  it('GIVEN a new key WHEN placed THEN the order is stored ACCEPTED before its OrderPlaced is published with the client source', async () => {
    const world = fakeWorld();

    const accepted = await placeOrder(command(), world);

    const orderId = orderIdFor(CALLER, 'key-1');
    expect(accepted).toEqual({ orderId, status: 'ACCEPTED' });
    expect(world.orders.appliedWrites).toEqual([`accept ${orderId}`]);
    const stored = await world.orders.get(orderId);
    expect(stored).toMatchObject({
      status: 'ACCEPTED',
      owner: CALLER,
      ...body,
      history: [{ status: 'ACCEPTED' }],
    });
    expect(world.publisher.published).toHaveLength(1);
    const [event] = world.publisher.published;
    expect(event?.detailType).toBe(ORDER_PLACED);
    expect(OrderPlaced.source).toBe('orders.client');
    expect(OrderPlaced.detail.parse(event?.detail)).toEqual(event?.detail);
    expect(event?.detail.metadata.eventId).toBe(placedEventIdFor(orderId));
    expect(world.orders.storedEvent(orderId)).toEqual(event);
  });

  it('derives the order id from the caller and the key: another caller or key is another order', () => {
    const id = orderIdFor(CALLER, 'key-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(orderIdFor(CALLER, 'key-1')).toBe(id);
    expect(orderIdFor(CALLER, 'key-2')).not.toBe(id);
    expect(orderIdFor('iam:arn:aws:iam::123456789012:role/other', 'key-1')).not.toBe(id);
    // The parts are kept apart: moving a character from the caller to the key changes the id.
    expect(orderIdFor('a:b', 'c')).not.toBe(orderIdFor('a', 'b:c'));
  });

  it('GIVEN a crash after the publish WHEN the request runs again THEN it finds its order and publishes the same event again, and the pipeline validates it once', async () => {
    // GIVEN a first attempt that stored and published, then died before its answer was recorded
    const world = fakeWorld();
    const first = await placeOrder(command(), world);

    // WHEN the retry runs the whole request again
    const again = await placeOrder(command(), world);

    // THEN the same order id, one stored order, and the very same event (same id) published again
    expect(again).toEqual(first);
    expect(world.orders.appliedWrites).toEqual([`accept ${first.orderId}`]);
    const [one, two] = world.publisher.published;
    expect(two).toEqual(one);
    // AND validate-order turns the repeat into a duplicate: one validation, one OrderValidated
    const deps = { ...world, policy };
    const placed = OrderPlaced.detail.parse(one?.detail);
    expect(await validateOrder(placed, deps)).toEqual({
      outcome: 'transitioned',
      published: ORDER_VALIDATED,
    });
    expect(await validateOrder(OrderPlaced.detail.parse(two?.detail), deps)).toEqual({
      outcome: 'republished',
      published: ORDER_VALIDATED,
    });
    expect(world.publisher.ofType(ORDER_VALIDATED).map((e) => e.detail.metadata.eventId)).toEqual([
      world.publisher.ofType(ORDER_VALIDATED)[0]?.detail.metadata.eventId,
      world.publisher.ofType(ORDER_VALIDATED)[0]?.detail.metadata.eventId,
    ]);
  });

  it('GIVEN two concurrent requests with one key and body WHEN both run THEN one order is stored and both answer it', async () => {
    const world = fakeWorld();

    const [one, two] = await Promise.all([placeOrder(command(), world), placeOrder(command(), world)]);

    const orderId = orderIdFor(CALLER, 'key-1');
    expect([one, two]).toEqual([
      { orderId, status: 'ACCEPTED' },
      { orderId, status: 'ACCEPTED' },
    ]);
    expect(world.orders.appliedWrites).toEqual([`accept ${orderId}`]);
    // The loser published the stored event again: the same event id, which validate-order deduplicates
    expect(new Set(world.publisher.published.map((e) => e.detail.metadata.eventId))).toEqual(
      new Set([placedEventIdFor(orderId)]),
    );
  });

  it('GIVEN the publish failed after the write WHEN the client retries THEN the stored event is published', async () => {
    const world = fakeWorld();
    world.publisher.failures = 1;
    await expect(placeOrder(command(), world)).rejects.toThrow('bus unavailable');
    expect(world.publisher.published).toEqual([]);

    const retried = await placeOrder(command(), world);

    expect(retried.status).toBe('ACCEPTED');
    expect(world.publisher.ofType(ORDER_PLACED)).toHaveLength(1);
    expect(world.publisher.published[0]?.detail.metadata.eventId).toBe(placedEventIdFor(retried.orderId));
  });

  it('GIVEN an order already validated WHEN the request runs again THEN it answers its status and publishes nothing', async () => {
    const world = fakeWorld();
    const { orderId } = await placeOrder(command(), world);
    const [placed] = world.publisher.published;
    await validateOrder(OrderPlaced.detail.parse(placed?.detail), { ...world, policy });
    const publishedBefore = world.publisher.published.length;

    expect(await placeOrder(command(), world)).toEqual({ orderId, status: 'VALIDATED' });
    expect(world.publisher.published).toHaveLength(publishedBefore);
  });

  it('fails with IdempotencyKeyReusedError when the key already placed an order with another body, changing nothing', async () => {
    const world = fakeWorld();
    await placeOrder(command(), world);

    await expect(
      placeOrder(command({ order: { ...body, totalAmount: 3_001 } }), world),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(world.publisher.published).toHaveLength(1);
    expect((await world.orders.get(orderIdFor(CALLER, 'key-1')))?.totalAmount).toBe(3_000);
  });

  it('fails without writing when the orders table is unavailable', async () => {
    const world = fakeWorld();
    world.orders.outage = new Error('table unavailable');
    await expect(placeOrder(command(), world)).rejects.toThrow('table unavailable');
    expect(world.publisher.published).toEqual([]);
  });
});
