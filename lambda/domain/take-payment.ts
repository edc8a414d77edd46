import {
  PAYMENT_FAILED,
  PAYMENT_SUCCEEDED,
  PaymentFailed,
  PaymentSucceeded,
  type StockReservedDetail,
} from '../contracts';
import { buildEvent, type EventOrigin } from './events';
import { type OrderRecord, orderSummaryOf, type PaymentAttempt, type Transition } from './order';
import {
  awaitsStep,
  type StepResult,
  type StepSpec,
  settleRepeat,
  standingOf,
  writeThenPublish,
} from './outbox';
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
 * redrive after the order moved on never reaches it. The attempt is written on the order before the call
 * and its id is the provider's idempotency key: a crash between the call and the transition resumes with
 * the same key, so the provider's deduplication needs to last only as long as a retry, not for ever.
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
  const attempt = await paymentAttemptOf(order, step, deps);
  if ('outcome' in attempt) return attempt;

  const charge = await deps.payments.charge({
    orderId: order.orderId,
    customerId: order.customerId,
    amount: order.totalAmount,
    currency: order.currency,
    idempotencyKey: attempt.attemptId,
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
  const base = { orderId: order.orderId, from: 'RESERVED', at, causationId: step.causationId } as const;
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
 * The attempt to charge with: the one on the order (an earlier delivery crashed after recording it), or a
 * new one, recorded before any call. If the order moved on meanwhile, the event settles as a repeat.
 */
async function paymentAttemptOf(
  order: OrderRecord,
  step: StepSpec,
  deps: TakePaymentDeps,
): Promise<PaymentAttempt | StepResult> {
  if (order.paymentAttempt !== undefined) return order.paymentAttempt;
  const attempt: PaymentAttempt = { attemptId: deps.ids.newEventId(), at: deps.clock.now().toISOString() };
  if ((await deps.orders.recordPaymentAttempt(order.orderId, step.causationId, attempt)) === 'applied') {
    return attempt;
  }
  // A concurrent delivery recorded its attempt first (charge with its key), or the order moved on.
  const current = await deps.orders.get(order.orderId);
  if (current?.paymentAttempt !== undefined && awaitsStep(current, step)) return current.paymentAttempt;
  return settleRepeat(step, current, deps);
}
