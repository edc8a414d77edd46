import { describe, expect, it } from '@jest/globals';
import {
  ORDER_REJECTED,
  ORDER_VALIDATED,
  OrderPlaced,
  type OrderPlacedDetail,
} from '../../../lambda/contracts';
import { REJECTION_REASONS } from '../../../lambda/domain/business-rules';
import { placeOrder } from '../../../lambda/domain/place-order';
import { validateOrder } from '../../../lambda/domain/validate-order';
import { CrashError, crashOnce, fakeWorld } from '../fakes/step-deps';
import { SECRET_CUSTOMER_ID } from '../support/events';

const policy = { currencies: ['EUR'], maxOrderAmount: 100_000 };
const body = {
  customerId: SECRET_CUSTOMER_ID,
  lines: [{ productId: 'sku-apple', quantity: 2, unitPrice: 1_500 }],
  currency: 'EUR',
  totalAmount: 3_000,
};

/** An order accepted by the API, and the OrderPlaced it published. */
async function accepted(order = body, world = fakeWorld()) {
  await placeOrder({ caller: 'iam:caller', idempotencyKey: 'k-1', order }, world);
  const placed = OrderPlaced.detail.parse(world.publisher.published.at(-1)?.detail) as OrderPlacedDetail;
  return { world, placed, deps: { ...world, policy } };
}

describe('validateOrder on an order accepted by the API', () => {
  it('GIVEN an ACCEPTED order WHEN its OrderPlaced arrives THEN it moves ACCEPTED -> VALIDATED, keeping its owner and history', async () => {
    const { world, placed, deps } = await accepted();

    const result = await validateOrder(placed, deps);

    expect(result).toEqual({ outcome: 'transitioned', published: ORDER_VALIDATED });
    const order = await world.orders.get(placed.data.orderId);
    expect(order).toMatchObject({ status: 'VALIDATED', owner: 'iam:caller', version: 2 });
    expect(order?.history.map((h) => h.status)).toEqual(['ACCEPTED', 'VALIDATED']);
    expect(order?.history[1]).toMatchObject({ eventId: placed.metadata.eventId });
    expect(world.orders.appliedWrites.at(-1)).toBe(`transition ${placed.data.orderId} ACCEPTED->VALIDATED`);
  });

  it('GIVEN an ACCEPTED order breaking a rule WHEN validated THEN it moves to REJECTED with the reason', async () => {
    const { world, placed, deps } = await accepted({ ...body, currency: 'USD' });

    expect(await validateOrder(placed, deps)).toEqual({ outcome: 'transitioned', published: ORDER_REJECTED });
    expect(await world.orders.get(placed.data.orderId)).toMatchObject({
      status: 'REJECTED',
      reason: REJECTION_REASONS.currencyNotAccepted,
    });
  });

  it('judges the stored order, not the lines or amount an event carries (scenario 22)', async () => {
    const { world, placed, deps } = await accepted();
    const forged = { ...placed, data: { ...placed.data, totalAmount: 1 } };

    expect(await validateOrder(forged, deps)).toEqual({
      outcome: 'transitioned',
      published: ORDER_VALIDATED,
    });
    expect((await world.orders.get(placed.data.orderId))?.status).toBe('VALIDATED');
  });

  it('ignores an OrderPlaced for an ACCEPTED order that is not the stored event (another event id)', async () => {
    const { world, placed, deps } = await accepted();
    const foreign = { ...placed, metadata: { ...placed.metadata, eventId: crypto.randomUUID() } };

    expect(await validateOrder(foreign, deps)).toEqual({
      outcome: 'ignored',
      reason: 'not-the-stored-event',
    });
    expect((await world.orders.get(placed.data.orderId))?.status).toBe('ACCEPTED');
  });

  it('GIVEN a crash after the transition WHEN redelivered THEN the stored OrderValidated is published again, nothing is written twice', async () => {
    const { world, placed } = await accepted();
    await expect(
      validateOrder(placed, crashOnce({ ...world, policy }, 'after-write')),
    ).rejects.toBeInstanceOf(CrashError);

    const result = await validateOrder(placed, { ...world, policy });

    expect(result).toEqual({ outcome: 'republished', published: ORDER_VALIDATED });
    expect(world.orders.appliedWrites.filter((w) => w.startsWith('transition'))).toHaveLength(1);
    expect(world.publisher.ofType(ORDER_VALIDATED)).toHaveLength(1);
  });

  it('GIVEN two concurrent deliveries WHEN both validate THEN one transitions and the other is a repeat', async () => {
    const { world, placed, deps } = await accepted();

    const results = await Promise.all([validateOrder(placed, deps), validateOrder(placed, deps)]);

    expect(results.map((r) => r.outcome).sort()).toEqual(['republished', 'transitioned']);
    expect(world.orders.appliedWrites.filter((w) => w.startsWith('transition'))).toHaveLength(1);
  });
});
