import { describe, expect, it } from 'vitest';
import { OrderValidated, STOCK_RESERVED } from '../../../lambda/contracts';
import { OrderNotFoundError, UnexpectedOrderStateError } from '../../../lambda/domain/errors';
import { buildEvent } from '../../../lambda/domain/events';
import type { OrderRecord } from '../../../lambda/domain/order';
import { settleRepeat } from '../../../lambda/domain/outbox';
import { fakeWorld } from '../fakes/step-deps';
import { anOrder } from '../support/events';

const step = { orderId: 'order-1', expected: 'VALIDATED', publishes: [STOCK_RESERVED] } as const;

function orderIn(status: OrderRecord['status'], outbox: OrderRecord['outbox'] = {}): OrderRecord {
  return { ...anOrder({ orderId: 'order-1' }), status, history: [], version: 1, outbox };
}

describe('settleRepeat', () => {
  it('GIVEN the order moved on and the step published WHEN settling a repeat THEN nothing is published', async () => {
    const world = fakeWorld();
    const event = buildEvent(OrderValidated, anOrder({ orderId: 'order-1' }), {
      orderId: 'order-1',
      eventId: crypto.randomUUID(),
      occurredAt: new Date(),
    });
    const order = orderIn('PAID', {
      StockReserved: { detail: event.detail, publishedAt: '2025-01-01T00:00:00Z' },
    });

    expect(await settleRepeat(step, order, world)).toEqual({ outcome: 'duplicate' });
    expect(world.publisher.published).toEqual([]);
  });

  it('GIVEN the order moved on by another step only WHEN settling THEN nothing of that step is published', async () => {
    const world = fakeWorld();
    expect(await settleRepeat(step, orderIn('CANCELLED'), world)).toEqual({ outcome: 'duplicate' });
    expect(world.publisher.published).toEqual([]);
  });

  it('fails with UnexpectedOrderStateError when the order is still in the expected state', async () => {
    await expect(settleRepeat(step, orderIn('VALIDATED'), fakeWorld())).rejects.toThrow(
      UnexpectedOrderStateError,
    );
  });

  it('fails with OrderNotFoundError when the order does not exist', async () => {
    await expect(settleRepeat(step, undefined, fakeWorld())).rejects.toThrow(OrderNotFoundError);
  });

  it('fails with UnexpectedOrderStateError when a create was refused but no order exists', async () => {
    await expect(settleRepeat({ ...step, expected: 'absent' }, undefined, fakeWorld())).rejects.toThrow(
      UnexpectedOrderStateError,
    );
  });
});
