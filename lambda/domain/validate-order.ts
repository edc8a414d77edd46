import {
  ORDER_REJECTED,
  ORDER_VALIDATED,
  type OrderPlacedDetail,
  OrderRejected,
  OrderValidated,
} from '../contracts';
import { type OrderPolicy, orderRuleViolations } from './business-rules';
import { buildEvent } from './events';
import { type NewOrder, orderSummaryOf } from './order';
import { type StepResult, writeThenPublish } from './outbox';
import type { OrderStepDeps } from './ports';

export interface ValidateOrderDeps extends OrderStepDeps {
  readonly policy: OrderPolicy;
}

/** OrderPlaced -> the order item is created VALIDATED (OrderValidated) or REJECTED (OrderRejected). */
export async function validateOrder(placed: OrderPlacedDetail, deps: ValidateOrderDeps): Promise<StepResult> {
  const order = orderSummaryOf(placed.data);
  const reasons = orderRuleViolations(order, deps.policy);
  const now = deps.clock.now();
  const origin = {
    orderId: order.orderId,
    eventId: deps.ids.newEventId(),
    occurredAt: now,
    causationId: placed.metadata.eventId,
  };
  const event =
    reasons.length === 0
      ? buildEvent(OrderValidated, order, origin, deps.maxEventBytes)
      : buildEvent(
          OrderRejected,
          { orderId: order.orderId, customerId: order.customerId, reasons },
          origin,
          deps.maxEventBytes,
        );
  const created: NewOrder = {
    ...order,
    status: reasons.length === 0 ? 'VALIDATED' : 'REJECTED',
    ...(reasons.length === 0 ? {} : { reason: reasons.join('; ') }),
    at: now.toISOString(),
    causationId: placed.metadata.eventId,
    event,
  };
  return writeThenPublish(
    {
      orderId: order.orderId,
      expected: 'absent',
      causationId: placed.metadata.eventId,
      publishes: [ORDER_VALIDATED, ORDER_REJECTED],
    },
    event,
    () => deps.orders.create(created),
    deps,
  );
}
