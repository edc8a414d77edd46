import type { ProductQuantity, Reservation, Transition } from '../../../lambda/domain/order';
import type { InventoryRepository, WriteResult } from '../../../lambda/domain/ports';
import type { InMemoryOrders } from './in-memory-orders';

/** The inventory table in memory; its transactions include the order transition, all or nothing. */
export class InMemoryInventory implements InventoryRepository {
  readonly stock: Map<string, number>;
  readonly reservations = new Map<string, Reservation>();
  /** Runs when a reservation is refused: lets a test change stock between the refusal and the re-read. */
  afterFailedReserve: (() => void) | undefined;

  constructor(
    private readonly orders: InMemoryOrders,
    stock: Record<string, number>,
  ) {
    this.stock = new Map(Object.entries(stock));
  }

  async reserve(transition: Transition, lines: readonly ProductQuantity[]): Promise<WriteResult> {
    this.orders.throwIfDown();
    const ok =
      this.orders.canTransition(transition) &&
      !this.reservations.has(transition.orderId) &&
      lines.every((line) => (this.stock.get(line.productId) ?? -1) >= line.quantity);
    if (!ok) {
      this.afterFailedReserve?.();
      return 'condition-failed';
    }
    for (const line of lines)
      this.stock.set(line.productId, (this.stock.get(line.productId) ?? 0) - line.quantity);
    this.reservations.set(transition.orderId, { orderId: transition.orderId, status: 'RESERVED', lines });
    this.orders.applyTransition(transition);
    return 'applied';
  }

  async release(transition: Transition, lines: readonly ProductQuantity[]): Promise<WriteResult> {
    this.orders.throwIfDown();
    const reservation = this.reservations.get(transition.orderId);
    if (reservation?.status !== 'RESERVED' || !this.orders.canTransition(transition))
      return 'condition-failed';
    for (const line of lines)
      this.stock.set(line.productId, (this.stock.get(line.productId) ?? 0) + line.quantity);
    this.reservations.set(transition.orderId, { ...reservation, status: 'RELEASED' });
    this.orders.applyTransition(transition);
    return 'applied';
  }

  async getReservation(orderId: string): Promise<Reservation | undefined> {
    this.orders.throwIfDown();
    return structuredClone(this.reservations.get(orderId));
  }

  async getAvailable(productIds: readonly string[]): Promise<ReadonlyMap<string, number>> {
    this.orders.throwIfDown();
    return new Map(
      productIds.flatMap((id) => (this.stock.has(id) ? [[id, this.stock.get(id) ?? 0] as const] : [])),
    );
  }
}
