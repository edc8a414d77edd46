import { ORDER_FULFILLED, OrderFulfilled, type PaymentSucceededDetail } from '../contracts';
import { buildEvent } from './events';
import { deterministicId } from './ids';
import { orderSummaryOf } from './order';
import { type StepResult, writeThenPublish } from './outbox';
import type { OrderStepDeps } from './ports';

/** PaymentSucceeded -> one fulfilment id on the order, PAID -> FULFILLED (OrderFulfilled). */
export async function fulfilOrder(paid: PaymentSucceededDetail, deps: OrderStepDeps): Promise<StepResult> {
  const order = orderSummaryOf(paid.data);
  const fulfilmentId = deterministicId('ful', order.orderId);
  const now = deps.clock.now();
  const event = buildEvent(
    OrderFulfilled,
    { ...order, fulfilmentId },
    {
      orderId: order.orderId,
      eventId: deps.ids.newEventId(),
      occurredAt: now,
      causationId: paid.metadata.eventId,
    },
    deps.maxEventBytes,
  );
  return writeThenPublish(
    {
      orderId: order.orderId,
      expected: 'PAID',
      causationId: paid.metadata.eventId,
      publishes: [ORDER_FULFILLED],
    },
    event,
    () =>
      deps.orders.transition({
        orderId: order.orderId,
        from: 'PAID',
        to: 'FULFILLED',
        at: now.toISOString(),
        causationId: paid.metadata.eventId,
        event,
        changes: { fulfilmentId },
      }),
    deps,
  );
}
