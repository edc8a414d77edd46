import type { OutgoingEvent } from '../../../lambda/domain/events';
import {
  type AcceptedOrder,
  acceptedOrderRecord,
  type NewOrder,
  newOrderRecord,
  type OrderRecord,
  type Transition,
  transitionSlot,
} from '../../../lambda/domain/order';
import { storedEvent } from '../../../lambda/domain/outbox-slot';
import type { OrderDesk, OrdersRepository, WriteResult } from '../../../lambda/domain/ports';

/**
 * The orders table in memory, with the same conditional semantics as the DynamoDB adapter. Checks
 * and writes happen without an `await` in between, so concurrent calls are atomic like DynamoDB's.
 */
export class InMemoryOrders implements OrdersRepository, OrderDesk {
  readonly items = new Map<string, OrderRecord>();
  /** Every applied write, in order: tests count effects with it. */
  readonly appliedWrites: string[] = [];
  /** Set to make every call fail, like a table that is unavailable. */
  outage: Error | undefined;

  async get(orderId: string): Promise<OrderRecord | undefined> {
    this.throwIfDown();
    return structuredClone(this.items.get(orderId));
  }

  async create(order: NewOrder): Promise<WriteResult> {
    this.throwIfDown();
    if (this.items.has(order.orderId)) return 'condition-failed';
    this.items.set(order.orderId, structuredClone(newOrderRecord(order)));
    this.appliedWrites.push(`create ${order.orderId} ${order.status}`);
    return 'applied';
  }

  async accept(order: AcceptedOrder): Promise<WriteResult> {
    this.throwIfDown();
    if (this.items.has(order.orderId)) return 'condition-failed';
    this.items.set(order.orderId, structuredClone(acceptedOrderRecord(order)));
    this.appliedWrites.push(`accept ${order.orderId}`);
    return 'applied';
  }

  async transition(transition: Transition): Promise<WriteResult> {
    this.throwIfDown();
    if (!this.canTransition(transition)) return 'condition-failed';
    this.applyTransition(transition);
    return 'applied';
  }

  /** The whole event in the order's outbox slot (undefined without an order), as a repeat would publish it. */
  storedEvent(orderId: string): OutgoingEvent | undefined {
    const order = this.items.get(orderId);
    return order === undefined ? undefined : storedEvent(order);
  }

  /** For the inventory fake's transactions: the order part of a transaction. */
  canTransition(transition: Transition): boolean {
    const order = this.items.get(transition.orderId);
    return (
      order?.status === transition.from && order.outbox.detail.metadata.eventId === transition.causationId
    );
  }

  applyTransition(t: Transition): void {
    const order = this.items.get(t.orderId);
    if (order === undefined) throw new Error('applyTransition without canTransition');
    this.items.set(t.orderId, {
      ...order,
      ...t.changes,
      status: t.to,
      history: [...order.history, { status: t.to, at: t.at, eventId: t.causationId }],
      version: order.version + 1,
      outbox: structuredClone(transitionSlot(t)),
    });
    this.appliedWrites.push(`transition ${t.orderId} ${t.from}->${t.to}`);
  }

  throwIfDown(): void {
    if (this.outage !== undefined) throw this.outage;
  }
}
