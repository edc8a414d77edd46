import type { ProductQuantity, Transition } from '../../../lambda/domain/order';
import type { InventoryRepository, WriteResult } from '../../../lambda/domain/ports';
import type { InMemoryOrders } from './in-memory-orders';

/**
 * The inventory table in memory: stock per product. Its transactions include the order transition, all or
 * nothing, and that transition's condition is their only fence, as in DynamoDB.
 */
export class InMemoryInventory implements InventoryRepository {
  readonly stock: Map<string, number>;
  /** Every applied stock transaction, in order: what a test asks "how often was stock taken or given back". */
  readonly writes: { readonly kind: 'reserve' | 'release'; readonly lines: readonly ProductQuantity[] }[] =
    [];
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
      lines.every((line) => (this.stock.get(line.productId) ?? -1) >= line.quantity);
    if (!ok) {
      this.afterFailedReserve?.();
      return 'condition-failed';
    }
    for (const line of lines)
      this.stock.set(line.productId, (this.stock.get(line.productId) ?? 0) - line.quantity);
    this.writes.push({ kind: 'reserve', lines: structuredClone(lines) });
    this.orders.applyTransition(transition);
    return 'applied';
  }

  async release(transition: Transition, lines: readonly ProductQuantity[]): Promise<WriteResult> {
    this.orders.throwIfDown();
    if (!this.orders.canTransition(transition)) return 'condition-failed';
    for (const line of lines)
      this.stock.set(line.productId, (this.stock.get(line.productId) ?? 0) + line.quantity);
    this.writes.push({ kind: 'release', lines: structuredClone(lines) });
    this.orders.applyTransition(transition);
    return 'applied';
  }

  async getAvailable(productIds: readonly string[]): Promise<ReadonlyMap<string, number>> {
    this.orders.throwIfDown();
    return new Map(
      productIds.flatMap((id) => (this.stock.has(id) ? [[id, this.stock.get(id) ?? 0] as const] : [])),
    );
  }
}
