import { isDeepStrictEqual } from 'node:util';
import { OrderPlaced, type OrderSummary } from '../contracts';
import type { OrderAccepted, PlaceOrderRequest } from '../contracts/order-api';
import { UnexpectedOrderStateError } from './errors';
import { buildEvent } from './events';
import { orderIdFor, placedEventIdFor } from './ids';
import { orderSummaryOf } from './order';
import { storedEvent } from './outbox-slot';
import type { Clock, EventPublisher, Logger, OrderDesk } from './ports';

/** One `POST /orders`, its caller authenticated and its body valid. */
export interface PlaceOrderCommand {
  /** Who calls (the authorizer's identity); the order's owner. */
  readonly caller: string;
  readonly idempotencyKey: string;
  /** The order; its customer already decided (the body's with IAM, the token subject's with JWT). */
  readonly order: PlaceOrderRequest;
}

export interface PlaceOrderDeps {
  readonly orders: OrderDesk;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Largest outgoing event entry. @default MAX_EVENT_BYTES */
  readonly maxEventBytes?: number;
}

/**
 * The caller's key already placed another order: the stored order's owner or summary differs from the
 * request's. The order item is the key's only record, so this holds for as long as the order exists.
 */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';
  constructor(readonly orderId: string) {
    super(`order ${orderId}: the idempotency key already placed an order with another body`);
  }
}

/**
 * Places an order: stores it ACCEPTED with its OrderPlaced in the outbox slot (conditionally, so one
 * key is one order), then publishes the event. Ids are derived from the caller and the key, so the
 * order item is the key's idempotency record: an attempt that runs again (a client retry, a crash after
 * the write or after the publish, a concurrent duplicate) finds the stored order, answers it with its
 * current status, and publishes the stored event again while it is still ACCEPTED; validate-order
 * treats the repeat as a duplicate (docs/adr/0007-the-order-item-is-the-idempotency-record.md).
 */
export async function placeOrder(command: PlaceOrderCommand, deps: PlaceOrderDeps): Promise<OrderAccepted> {
  const orderId = orderIdFor(command.caller, command.idempotencyKey);
  const order: OrderSummary = { orderId, ...command.order };
  const now = deps.clock.now();
  const event = buildEvent(
    OrderPlaced,
    order,
    { orderId, eventId: placedEventIdFor(orderId), occurredAt: now },
    deps.maxEventBytes,
  );
  const accepted = await deps.orders.accept({
    ...order,
    owner: command.caller,
    at: now.toISOString(),
    event,
  });
  if (accepted === 'applied') {
    await deps.publisher.publish([event]);
    deps.logger.info('order accepted', { orderId });
    return { orderId, status: 'ACCEPTED' };
  }

  const stored = await deps.orders.get(orderId);
  if (stored === undefined) {
    throw new UnexpectedOrderStateError(orderId, 'the acceptance was refused but no order exists');
  }
  if (stored.owner !== command.caller || !isDeepStrictEqual(orderSummaryOf(stored), order)) {
    throw new IdempotencyKeyReusedError(orderId);
  }
  if (stored.status === 'ACCEPTED') {
    // An earlier attempt stored the order but may have failed before its event reached the bus.
    await deps.publisher.publish([storedEvent(stored)]);
    deps.logger.info('order already accepted: published its stored event again', { orderId });
  } else {
    deps.logger.info('order already accepted and validated: nothing to publish', { orderId });
  }
  return { orderId, status: stored.status };
}
