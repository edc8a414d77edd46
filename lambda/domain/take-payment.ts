import {
  idempotencyKeyFor,
  PAYMENT_FAILED,
  PAYMENT_SUCCEEDED,
  PaymentFailed,
  PaymentSucceeded,
  type StockReservedDetail,
} from '../contracts';
import { buildEvent, type EventOrigin } from './events';
import { orderSummaryOf, type Transition } from './order';
import { type StepResult, writeThenPublish } from './outbox';
import type { PaymentProvider } from './payment-provider';
import type { OrderStepDeps } from './ports';

export interface TakePaymentDeps extends OrderStepDeps {
  readonly payments: PaymentProvider;
}

/** StockReserved -> one charge recorded on the order: PAID (PaymentSucceeded) or PAYMENT_FAILED (PaymentFailed). */
export async function takePayment(reserved: StockReservedDetail, deps: TakePaymentDeps): Promise<StepResult> {
  const order = orderSummaryOf(reserved.data);
  const charge = await deps.payments.charge({
    orderId: order.orderId,
    customerId: order.customerId,
    amount: order.totalAmount,
    currency: order.currency,
    idempotencyKey: idempotencyKeyFor(order.orderId, 'charge'),
  });
  const now = deps.clock.now();
  const at = now.toISOString();
  const origin: EventOrigin = {
    orderId: order.orderId,
    eventId: deps.ids.newEventId(),
    occurredAt: now,
    causationId: reserved.metadata.eventId,
  };
  const base = {
    orderId: order.orderId,
    from: 'RESERVED',
    at,
    causationId: reserved.metadata.eventId,
  } as const;

  const transition: Transition =
    charge.status === 'captured'
      ? {
          ...base,
          to: 'PAID',
          event: buildEvent(
            PaymentSucceeded,
            { ...order, paymentId: charge.paymentId },
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
          event: buildEvent(PaymentFailed, { ...order, reason: charge.reason }, origin, deps.maxEventBytes),
          changes: { reason: 'PAYMENT_DECLINED', payment: { status: 'DECLINED', reason: charge.reason, at } },
        };

  return writeThenPublish(
    {
      orderId: order.orderId,
      expected: 'RESERVED',
      causationId: reserved.metadata.eventId,
      publishes: [PAYMENT_SUCCEEDED, PAYMENT_FAILED],
    },
    transition.event,
    () => deps.orders.transition(transition),
    deps,
  );
}
