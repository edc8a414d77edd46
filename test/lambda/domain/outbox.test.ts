import { describe, expect, it } from '@jest/globals';
import { OrderValidated, PaymentSucceeded, STOCK_RESERVED, StockReserved } from '../../../lambda/contracts';
import { UnexpectedOrderStateError } from '../../../lambda/domain/errors';
import { buildEvent, type OutgoingEvent } from '../../../lambda/domain/events';
import type { HistoryEntry, OrderRecord } from '../../../lambda/domain/order';
import { type StepSpec, settleRepeat, standingOf } from '../../../lambda/domain/outbox';
import { fakeWorld } from '../fakes/step-deps';
import { anOrder, uuid } from '../support/events';

const PLACED_ID = uuid(1);
const VALIDATED_ID = uuid(2);
const RESERVED_ID = uuid(3);

/** reserve-stock consuming the OrderValidated VALIDATED_ID. */
const step: StepSpec = {
  orderId: 'order-1',
  expected: 'VALIDATED',
  causationId: VALIDATED_ID,
  publishes: [STOCK_RESERVED],
};

const summary = anOrder({ orderId: 'order-1' });
const origin = (eventId: string, causationId: string) => ({
  orderId: 'order-1',
  eventId,
  occurredAt: new Date('2025-03-14T10:00:00.000Z'),
  causationId,
});
const stockReserved = buildEvent(StockReserved, summary, origin(RESERVED_ID, VALIDATED_ID));

function orderIn(
  status: OrderRecord['status'],
  history: readonly HistoryEntry[],
  outbox: OutgoingEvent,
): OrderRecord {
  return { ...summary, status, history, version: history.length, outbox };
}

const at = '2025-03-14T10:00:00.000Z';
/** The order reserve-stock left: RESERVED by VALIDATED_ID, its StockReserved in the slot. */
const reservedByThisEvent = orderIn(
  'RESERVED',
  [
    { status: 'VALIDATED', at, eventId: PLACED_ID },
    { status: 'RESERVED', at, eventId: VALIDATED_ID },
  ],
  stockReserved,
);

describe('standingOf', () => {
  it('GIVEN the order awaits this event WHEN read THEN the step may act on the stored order', async () => {
    const world = fakeWorld();
    const validated = buildEvent(OrderValidated, summary, origin(VALIDATED_ID, PLACED_ID));
    const awaiting = orderIn('VALIDATED', reservedByThisEvent.history.slice(0, 1), validated);
    world.orders.items.set('order-1', awaiting);

    expect(await standingOf(step, world)).toEqual({ actionable: true, order: awaiting });
  });

  it('GIVEN the order awaits another event WHEN read THEN the step may not act and the event is ignored', async () => {
    const world = fakeWorld();
    const other = buildEvent(OrderValidated, summary, origin(uuid(96), PLACED_ID));
    world.orders.items.set('order-1', orderIn('VALIDATED', reservedByThisEvent.history.slice(0, 1), other));

    expect(await standingOf(step, world)).toEqual({
      actionable: false,
      result: { outcome: 'ignored', reason: 'not-the-stored-event' },
    });
  });
});

describe('settleRepeat', () => {
  it('GIVEN this event caused the latest transition WHEN settling a repeat THEN the stored event is published once, unchanged', async () => {
    const world = fakeWorld();

    const result = await settleRepeat(step, reservedByThisEvent, world);

    expect(result).toEqual({ outcome: 'republished', published: STOCK_RESERVED });
    expect(world.publisher.published).toEqual([stockReserved]);
  });

  it("GIVEN the order moved on (the step's own event caused the next transition) WHEN settling a repeat THEN nothing is published", async () => {
    const world = fakeWorld();
    const paymentSucceeded = buildEvent(
      PaymentSucceeded,
      { ...summary, paymentId: 'pay-1' },
      origin(uuid(4), RESERVED_ID),
    );
    const paid = orderIn(
      'PAID',
      [...reservedByThisEvent.history, { status: 'PAID', at, eventId: RESERVED_ID }],
      paymentSucceeded,
    );

    expect(await settleRepeat(step, paid, world)).toEqual({ outcome: 'duplicate' });
    expect(world.publisher.published).toEqual([]);
  });

  it('GIVEN an event no step stored (a forgery or a stale fact) WHEN settling THEN it is ignored with a warning and nothing is published', async () => {
    const world = fakeWorld();

    const result = await settleRepeat({ ...step, causationId: uuid(99) }, reservedByThisEvent, world);

    expect(result).toEqual({ outcome: 'ignored', reason: 'not-the-stored-event' });
    expect(world.publisher.published).toEqual([]);
    expect(world.logger.lines).toEqual([
      {
        level: 'warn',
        message: 'event ignored: the order did not store it (stale or foreign)',
        attributes: [{ reason: 'not-the-stored-event', status: 'RESERVED' }],
      },
    ]);
  });

  it('GIVEN an order placed again with a new event id WHEN validate-order settles THEN it is a duplicate, not a forgery', async () => {
    const world = fakeWorld();
    const placedAgain: StepSpec = { ...step, expected: 'absent', causationId: uuid(98) };

    expect(await settleRepeat(placedAgain, reservedByThisEvent, world)).toEqual({ outcome: 'duplicate' });
    expect(world.publisher.published).toEqual([]);
  });

  it('GIVEN this event caused the latest transition but the slot holds an event the step does not publish WHEN settling THEN nothing is published', async () => {
    const world = fakeWorld();
    const validated = buildEvent(OrderValidated, summary, origin(VALIDATED_ID, PLACED_ID));
    const order = { ...reservedByThisEvent, outbox: validated };

    expect(await settleRepeat(step, order, world)).toEqual({ outcome: 'duplicate' });
    expect(world.publisher.published).toEqual([]);
  });

  it('fails with UnexpectedOrderStateError when the order still awaits this very event', async () => {
    const validated = buildEvent(OrderValidated, summary, origin(VALIDATED_ID, PLACED_ID));
    const order = orderIn('VALIDATED', reservedByThisEvent.history.slice(0, 1), validated);
    await expect(settleRepeat(step, order, fakeWorld())).rejects.toThrow(UnexpectedOrderStateError);
  });

  it('GIVEN the order is in the expected state but its slot holds another event WHEN settling THEN the event is ignored', async () => {
    const otherValidated = buildEvent(OrderValidated, summary, origin(uuid(97), PLACED_ID));
    const order = orderIn('VALIDATED', reservedByThisEvent.history.slice(0, 1), otherValidated);

    expect(await settleRepeat(step, order, fakeWorld())).toEqual({
      outcome: 'ignored',
      reason: 'not-the-stored-event',
    });
  });

  it('GIVEN no such order WHEN settling THEN the event is ignored as foreign, not retried', async () => {
    expect(await settleRepeat(step, undefined, fakeWorld())).toEqual({
      outcome: 'ignored',
      reason: 'unknown-order',
    });
  });

  it('fails with UnexpectedOrderStateError when a create was refused but no order exists', async () => {
    await expect(settleRepeat({ ...step, expected: 'absent' }, undefined, fakeWorld())).rejects.toThrow(
      UnexpectedOrderStateError,
    );
  });

  it('fails with the publisher error when the stored event cannot be published, so the repeat is retried', async () => {
    const world = fakeWorld();
    world.publisher.failures = 1;

    await expect(settleRepeat(step, reservedByThisEvent, world)).rejects.toThrow('bus unavailable');
    expect(world.publisher.published).toEqual([]);
  });
});
