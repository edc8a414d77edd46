import { ORDER_CANCELLED, OrderCancelled, type PaymentFailedDetail } from '../contracts';
import { buildEvent } from './events';
import { type CancellationReason, orderSummaryOf, type Transition } from './order';
import { type StepResult, type StepSpec, settleRepeat, standingOf, writeThenPublish } from './outbox';
import type { InventoryRepository, OrderStepDeps } from './ports';

export interface ReleaseStockDeps extends OrderStepDeps {
  readonly inventory: InventoryRepository;
}

const REASON: CancellationReason = 'PAYMENT_DECLINED';

/**
 * PaymentFailed -> compensation: one transaction releases the reservation, gives its units back and
 * moves the order PAYMENT_FAILED -> CANCELLED (OrderCancelled).
 */
export async function releaseStock(failed: PaymentFailedDetail, deps: ReleaseStockDeps): Promise<StepResult> {
  const step: StepSpec = {
    orderId: failed.data.orderId,
    expected: 'PAYMENT_FAILED',
    causationId: failed.metadata.eventId,
    publishes: [ORDER_CANCELLED],
  };
  const standing = await standingOf(step, deps);
  if (!standing.actionable) return standing.result;
  const { orderId, customerId, lines } = standing.order;
  const order = orderSummaryOf(standing.order);

  // Give back exactly what was reserved, as recorded. The reservation and the order move in one
  // transaction: a released reservation means a concurrent delivery just moved the order on.
  const reservation = await deps.inventory.getReservation(orderId);
  if (reservation?.status !== 'RESERVED') return settleRepeat(step, await deps.orders.get(orderId), deps);

  const now = deps.clock.now();
  const event = buildEvent(
    OrderCancelled,
    { orderId, customerId, reason: REASON, lines: [...lines] },
    { orderId, eventId: deps.ids.newEventId(), occurredAt: now, causationId: step.causationId },
    deps.maxEventBytes,
  );
  const transition: Transition = {
    orderId,
    from: 'PAYMENT_FAILED',
    to: 'CANCELLED',
    at: now.toISOString(),
    causationId: step.causationId,
    event,
    changes: { reason: REASON },
    order,
  };
  return writeThenPublish(step, event, () => deps.inventory.release(transition, reservation.lines), deps);
}
