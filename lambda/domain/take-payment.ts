import {
  PAYMENT_FAILED,
  PAYMENT_SUCCEEDED,
  PaymentFailed,
  PaymentSucceeded,
  type StockReservedDetail,
} from '../contracts';
import { buildEvent, type EventOrigin } from './events';
import { uuidFromParts } from './ids';
import { type OrderRecord, orderSummaryOf, type Transition } from './order';
import { type StepResult, type StepSpec, standingOf, writeThenPublish } from './outbox';
import type { PaymentProvider } from './payment-provider';
import type { OrderStepDeps } from './ports';

export interface TakePaymentDeps extends OrderStepDeps {
  readonly payments: PaymentProvider;
}

/**
 * StockReserved -> one charge of the stored amount, recorded on the order: PAID (PaymentSucceeded) or
 * PAYMENT_FAILED (PaymentFailed).
 *
 * The provider is called only while the order is RESERVED by this very event, so a redelivery, replay or
 * redrive after the order moved on never reaches it, and with a key derived from that event
 * (`paymentKeyOf`): a crash between the call and the transition resumes with the same key, so the
 * provider's deduplication needs to last only as long as a retry, not for ever.
 */
export async function takePayment(reserved: StockReservedDetail, deps: TakePaymentDeps): Promise<StepResult> {
  const step: StepSpec = {
    orderId: reserved.data.orderId,
    expected: 'RESERVED',
    causationId: reserved.metadata.eventId,
    publishes: [PAYMENT_SUCCEEDED, PAYMENT_FAILED],
  };
  const standing = await standingOf(step, deps);
  if (!standing.actionable) return standing.result;
  const { order } = standing;

  const charge = await deps.payments.charge({
    orderId: order.orderId,
    customerId: order.customerId,
    amount: order.totalAmount,
    currency: order.currency,
    idempotencyKey: paymentKeyOf(order, step.causationId),
  });
  const now = deps.clock.now();
  const at = now.toISOString();
  const origin: EventOrigin = {
    orderId: order.orderId,
    eventId: deps.ids.newEventId(),
    occurredAt: now,
    causationId: step.causationId,
  };
  const summary = orderSummaryOf(order);
  const base = {
    orderId: order.orderId,
    from: 'RESERVED',
    at,
    causationId: step.causationId,
    order: summary,
  } as const;
  const transition: Transition =
    charge.status === 'captured'
      ? {
          ...base,
          to: 'PAID',
          event: buildEvent(
            PaymentSucceeded,
            { ...summary, paymentId: charge.paymentId },
            origin,
            deps.maxEventBytes,
          ),
          changes: {
            payment: {
              status: 'CAPTURED',
              paymentId: charge.paymentId,
              amount: order.totalAmount,
              currency: order.currency,
              at,
            },
          },
        }
      : {
          ...base,
          to: 'PAYMENT_FAILED',
          event: buildEvent(PaymentFailed, { ...summary, reason: charge.reason }, origin, deps.maxEventBytes),
          changes: { reason: 'PAYMENT_DECLINED', payment: { status: 'DECLINED', reason: charge.reason, at } },
        };

  return writeThenPublish(step, transition.event, () => deps.orders.transition(transition), deps);
}

/**
 * The provider's idempotency key for the charge of `order` caused by the stored StockReserved
 * `causationId`: the same for every delivery of that event, so a retry after a crash between the call
 * and the transition, or a concurrent delivery, asks for the same charge. The provider is only called
 * while the order is RESERVED by that very event, so it needs to remember the key only as long as a
 * retry takes. An order whose attempt was recorded before the key was derived (a `paymentAttempt` on
 * the item) keeps that attempt's key.
 */
export function paymentKeyOf(order: OrderRecord, causationId: string): string {
  return order.paymentAttempt?.attemptId ?? uuidFromParts('payment', order.orderId, causationId);
}
