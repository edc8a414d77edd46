import {
  ORDER_REJECTED,
  ORDER_VALIDATED,
  type OrderPlacedDetail,
  OrderRejected,
  type OrderSummary,
  OrderValidated,
} from '../contracts';
import { type OrderPolicy, orderRuleViolations } from './business-rules';
import { buildEvent, type OutgoingEvent } from './events';
import { type NewOrder, type OrderRecord, orderSummaryOf } from './order';
import { awaitsStep, type StepResult, type StepSpec, settleRepeat, writeThenPublish } from './outbox';
import type { OrderStepDeps } from './ports';

export interface ValidateOrderDeps extends OrderStepDeps {
  readonly policy: OrderPolicy;
}

const PUBLISHES = [ORDER_VALIDATED, ORDER_REJECTED] as const;

/**
 * OrderPlaced -> VALIDATED (OrderValidated) or REJECTED (OrderRejected).
 * - An order placed through the API is already stored ACCEPTED with this very event in its outbox: it
 *   moves on with a conditional transition, judged on what was stored, not on what the event carries.
 * - An order a backend put on the bus directly does not exist yet: it is created.
 */
export async function validateOrder(placed: OrderPlacedDetail, deps: ValidateOrderDeps): Promise<StepResult> {
  const orderId = placed.data.orderId;
  const stored = await deps.orders.get(orderId);
  if (stored?.history[0]?.status === 'ACCEPTED') return validateAccepted(placed, stored, deps);
  return createValidated(placed, deps);
}

async function validateAccepted(
  placed: OrderPlacedDetail,
  stored: OrderRecord,
  deps: ValidateOrderDeps,
): Promise<StepResult> {
  const step: StepSpec = {
    orderId: stored.orderId,
    expected: 'ACCEPTED',
    causationId: placed.metadata.eventId,
    publishes: PUBLISHES,
  };
  if (!awaitsStep(stored, step)) return settleRepeat(step, stored, deps);
  const { order, status, reason, event, at } = judge(orderSummaryOf(stored), placed, deps);
  return writeThenPublish(
    step,
    event,
    () =>
      deps.orders.transition({
        orderId: order.orderId,
        from: 'ACCEPTED',
        to: status,
        at,
        causationId: placed.metadata.eventId,
        event,
        order,
        ...(reason === undefined ? {} : { changes: { reason } }),
      }),
    deps,
  );
}

async function createValidated(placed: OrderPlacedDetail, deps: ValidateOrderDeps): Promise<StepResult> {
  const { order, status, reason, event, at } = judge(orderSummaryOf(placed.data), placed, deps);
  const created: NewOrder = {
    ...order,
    status,
    ...(reason === undefined ? {} : { reason }),
    at,
    causationId: placed.metadata.eventId,
    event,
  };
  return writeThenPublish(
    {
      orderId: order.orderId,
      expected: 'absent',
      causationId: placed.metadata.eventId,
      publishes: PUBLISHES,
    },
    event,
    () => deps.orders.create(created),
    deps,
  );
}

interface Verdict {
  readonly order: OrderSummary;
  readonly status: 'VALIDATED' | 'REJECTED';
  readonly reason?: string;
  readonly event: OutgoingEvent;
  readonly at: string;
}

/** The business rules' verdict on `order` and the event announcing it. */
function judge(order: OrderSummary, placed: OrderPlacedDetail, deps: ValidateOrderDeps): Verdict {
  const reasons = orderRuleViolations(order, deps.policy);
  const now = deps.clock.now();
  const origin = {
    orderId: order.orderId,
    eventId: deps.ids.newEventId(),
    occurredAt: now,
    causationId: placed.metadata.eventId,
  };
  const at = now.toISOString();
  if (reasons.length === 0) {
    return {
      order,
      status: 'VALIDATED',
      event: buildEvent(OrderValidated, order, origin, deps.maxEventBytes),
      at,
    };
  }
  const event = buildEvent(
    OrderRejected,
    { orderId: order.orderId, customerId: order.customerId, reasons },
    origin,
    deps.maxEventBytes,
  );
  return { order, status: 'REJECTED', reason: reasons.join('; '), event, at };
}
