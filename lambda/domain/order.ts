import type { OrderLine, OrderSummary } from '../contracts';
import type { OrderStatus } from '../contracts/order-api';
import type { OutgoingEvent } from './events';
import { outboxSlot } from './outbox-slot';

/**
 * Where an order is in the flow. FULFILLED, REJECTED and CANCELLED are final; ACCEPTED only for orders
 * placed through the API, until validate-order moves them on.
 */
export type { OrderStatus } from '../contracts/order-api';

/** The statuses an order ends in: no step moves it on from them. */
export const FINAL_ORDER_STATUSES = [
  'FULFILLED',
  'REJECTED',
  'CANCELLED',
] as const satisfies readonly OrderStatus[];
export type FinalOrderStatus = (typeof FINAL_ORDER_STATUSES)[number];

/** Whether `status` (as read from the orders table, possibly absent) is one an order ends in. */
export function isFinalOrderStatus(status: unknown): status is FinalOrderStatus {
  return (FINAL_ORDER_STATUSES as readonly unknown[]).includes(status);
}

/** Why an order ended CANCELLED (or is on its way there). */
export type CancellationReason = 'OUT_OF_STOCK' | 'PAYMENT_DECLINED';

export type HistoryEntry =
  | {
      readonly status: Exclude<OrderStatus, 'ACCEPTED'>;
      readonly at: string;
      /** Id of the event that caused the transition. */
      readonly eventId: string;
    }
  /** The API's acceptance: caused by an HTTP request, not by an event. */
  | { readonly status: 'ACCEPTED'; readonly at: string; readonly eventId?: undefined };

export type Payment =
  | {
      readonly status: 'CAPTURED';
      readonly paymentId: string;
      readonly amount: number;
      readonly currency: string;
      readonly at: string;
    }
  | { readonly status: 'DECLINED'; readonly reason: string; readonly at: string };

/**
 * A charge take-payment recorded on the order before calling the provider, as it did before it derived
 * the provider's idempotency key from the StockReserved event (ADR 6). Read, never written: an order
 * caught between the two designs charges again with the recorded key.
 */
export interface PaymentAttempt {
  readonly attemptId: string;
  readonly at: string;
}

/** The order item of the orders table. */
export interface OrderRecord {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly reason?: string;
  readonly customerId: string;
  readonly lines: readonly OrderLine[];
  readonly currency: string;
  readonly totalAmount: number;
  readonly paymentAttempt?: PaymentAttempt;
  readonly payment?: Payment;
  readonly fulfilmentId?: string;
  readonly history: readonly HistoryEntry[];
  readonly version: number;
  /** Who placed it through the API (`Caller.id`); absent for orders a backend put on the bus directly. */
  readonly owner?: string;
  /**
   * The outbox: one slot holding the event of the latest transition, overwritten by the next one. The
   * flow is linear, so only that event can still be unpublished (docs/design.md). It holds only what the
   * item does not (`outboxSlot`); `storedEvent` reads the whole event back.
   */
  readonly outbox: OutgoingEvent;
}

/** Attributes a transition sets besides the status, history, version and outbox. */
export interface TransitionChanges {
  readonly reason?: string;
  readonly payment?: Payment;
  readonly fulfilmentId?: string;
}

/**
 * One conditional state change: `from` -> `to`, storing `event` in the outbox slot in the same write, so
 * the state and the fact announcing it can never disagree.
 */
export interface Transition {
  readonly orderId: string;
  readonly from: OrderStatus;
  readonly to: Exclude<OrderStatus, 'ACCEPTED'>;
  readonly at: string;
  /**
   * Id of the incoming event, recorded in the history. The write also requires it to be the id of the
   * event in the outbox slot: only the event the previous step stored moves the order.
   */
  readonly causationId: string;
  readonly event: OutgoingEvent;
  readonly changes?: TransitionChanges;
  /** The stored order the transition moves: what the outbox slot need not repeat of the event. */
  readonly order: OrderSummary;
}

/** The outbox slot a transition writes: its event without what the item holds after the write. */
export function transitionSlot(t: Transition): OutgoingEvent {
  return outboxSlot(t.event, {
    orderId: t.orderId,
    at: t.at,
    causationId: t.causationId,
    attributes: { ...t.order, ...t.changes },
  });
}

/** The creation of the order item by validate-order: the transition from "no item". */
export interface NewOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly lines: readonly OrderLine[];
  readonly currency: string;
  readonly totalAmount: number;
  readonly status: Extract<OrderStatus, 'VALIDATED' | 'REJECTED'>;
  readonly reason?: string;
  readonly at: string;
  readonly causationId: string;
  readonly event: OutgoingEvent;
}

/** The item a new order is stored as: its first status, its first history entry, its event in the outbox. */
export function newOrderRecord(order: NewOrder): OrderRecord {
  return {
    orderId: order.orderId,
    status: order.status,
    ...(order.reason === undefined ? {} : { reason: order.reason }),
    customerId: order.customerId,
    lines: order.lines,
    currency: order.currency,
    totalAmount: order.totalAmount,
    history: [{ status: order.status, at: order.at, eventId: order.causationId }],
    version: 1,
    outbox: outboxSlot(order.event, {
      orderId: order.orderId,
      at: order.at,
      causationId: order.causationId,
      attributes: { ...order },
    }),
  };
}

/** An order accepted by the API: stored ACCEPTED with its OrderPlaced in the outbox, then published. */
export interface AcceptedOrder extends OrderSummary {
  readonly owner: string;
  readonly at: string;
  /** The OrderPlaced event of the order. */
  readonly event: OutgoingEvent;
}

/** The item an accepted order is stored as; validate-order moves it on with a transition. */
export function acceptedOrderRecord(order: AcceptedOrder): OrderRecord {
  return {
    ...orderSummaryOf(order),
    status: 'ACCEPTED',
    history: [{ status: 'ACCEPTED', at: order.at }],
    version: 1,
    owner: order.owner,
    outbox: outboxSlot(order.event, { orderId: order.orderId, at: order.at, attributes: { ...order } }),
  };
}

export interface ProductQuantity {
  readonly productId: string;
  readonly quantity: number;
}

/**
 * Units per product. Lines of one product are merged because a DynamoDB transaction may touch an item
 * only once; validation rejects such orders, but a step must not depend on another step's checks.
 */
export function quantitiesByProduct(lines: readonly ProductQuantity[]): ProductQuantity[] {
  const totals = new Map<string, number>();
  for (const { productId, quantity } of lines) {
    totals.set(productId, (totals.get(productId) ?? 0) + quantity);
  }
  return [...totals].map(([productId, quantity]) => ({ productId, quantity }));
}

type SummaryFields = Pick<OrderRecord, 'orderId' | 'customerId' | 'lines' | 'currency' | 'totalAmount'>;

/** The order part of an event's data or of a stored order, without anything around it. */
export function orderSummaryOf(data: SummaryFields): OrderSummary {
  const { orderId, customerId, lines, currency, totalAmount } = data;
  return { orderId, customerId, lines: [...lines], currency, totalAmount };
}
