import { ORDER_CANCELLED, OrderCancelled, type PaymentFailedDetail } from '../contracts';
import { buildEvent } from './events';
import { type CancellationReason, orderSummaryOf, quantitiesByProduct, type Transition } from './order';
import { type StepResult, type StepSpec, standingOf, writeThenPublish } from './outbox';
import type { InventoryRepository, OrderStepDeps } from './ports';

export interface ReleaseStockDeps extends OrderStepDeps {
  readonly inventory: InventoryRepository;
}

const REASON: CancellationReason = 'PAYMENT_DECLINED';

/**
 * PaymentFailed -> compensation: one transaction gives back the units reserve-stock took and moves the
 * order PAYMENT_FAILED -> CANCELLED (OrderCancelled). The order's transition is the fence: a repeat, a
 * replay or a concurrent delivery fails the whole transaction and gives nothing back (ADR 8).
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

  // Exactly what reserve-stock took: the same stored lines (written once, at creation), merged the same way.
  const taken = quantitiesByProduct(lines);
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
  return writeThenPublish(step, event, () => deps.inventory.release(transition, taken), deps);
}
