import { ORDER_FULFILLED, OrderFulfilled, type PaymentSucceededDetail } from '../contracts';
import { buildEvent } from './events';
import { deterministicId } from './ids';
import { orderSummaryOf } from './order';
import { type StepResult, type StepSpec, standingOf, writeThenPublish } from './outbox';
import type { OrderStepDeps } from './ports';

/** PaymentSucceeded -> one fulfilment id on the stored order, PAID -> FULFILLED (OrderFulfilled). */
export async function fulfilOrder(paid: PaymentSucceededDetail, deps: OrderStepDeps): Promise<StepResult> {
  const step: StepSpec = {
    orderId: paid.data.orderId,
    expected: 'PAID',
    causationId: paid.metadata.eventId,
    publishes: [ORDER_FULFILLED],
  };
  const standing = await standingOf(step, deps);
  if (!standing.actionable) return standing.result;
  const { order } = standing;

  const fulfilmentId = deterministicId('ful', order.orderId);
  const now = deps.clock.now();
  const event = buildEvent(
    OrderFulfilled,
    { ...orderSummaryOf(order), fulfilmentId },
    {
      orderId: order.orderId,
      eventId: deps.ids.newEventId(),
      occurredAt: now,
      causationId: step.causationId,
    },
    deps.maxEventBytes,
  );
  return writeThenPublish(
    step,
    event,
    () =>
      deps.orders.transition({
        orderId: order.orderId,
        from: 'PAID',
        to: 'FULFILLED',
        at: now.toISOString(),
        causationId: step.causationId,
        event,
        changes: { fulfilmentId },
        order: orderSummaryOf(order),
      }),
    deps,
  );
}
