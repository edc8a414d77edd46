import {
  type OrderValidatedDetail,
  OUT_OF_STOCK,
  OutOfStock,
  STOCK_RESERVED,
  StockReserved,
} from '../contracts';
import { StockChangedError } from './errors';
import { buildEvent } from './events';
import {
  type OrderRecord,
  orderSummaryOf,
  type ProductQuantity,
  quantitiesByProduct,
  type Transition,
} from './order';
import {
  awaitsStep,
  publishAfterWrite,
  type StepResult,
  type StepSpec,
  settleRepeat,
  standingOf,
} from './outbox';
import type { InventoryRepository, OrderStepDeps } from './ports';

export interface ReserveStockDeps extends OrderStepDeps {
  readonly inventory: InventoryRepository;
}

/**
 * OrderValidated -> one transaction reserves every line of the stored order and moves it to RESERVED
 * (StockReserved); if a line is short, nothing is reserved and the order ends CANCELLED (OutOfStock).
 */
export async function reserveStock(
  validated: OrderValidatedDetail,
  deps: ReserveStockDeps,
): Promise<StepResult> {
  const step: StepSpec = {
    orderId: validated.data.orderId,
    expected: 'VALIDATED',
    causationId: validated.metadata.eventId,
    publishes: [STOCK_RESERVED, OUT_OF_STOCK],
  };
  const standing = await standingOf(step, deps);
  if (!standing.actionable) return standing.result;
  const { order } = standing;

  const quantities = quantitiesByProduct(order.lines);
  const now = deps.clock.now();
  const event = buildEvent(
    StockReserved,
    orderSummaryOf(order),
    {
      orderId: order.orderId,
      eventId: deps.ids.newEventId(),
      occurredAt: now,
      causationId: step.causationId,
    },
    deps.maxEventBytes,
  );
  const transition: Transition = {
    orderId: order.orderId,
    from: 'VALIDATED',
    to: 'RESERVED',
    at: now.toISOString(),
    causationId: step.causationId,
    event,
    order: orderSummaryOf(order),
  };

  if ((await deps.inventory.reserve(transition, quantities)) === 'applied') {
    return publishAfterWrite(event, deps);
  }
  // The transaction was refused: either the order moved on (a repeat) or a line is short.
  const current = await deps.orders.get(order.orderId);
  if (current === undefined || !awaitsStep(current, step)) return settleRepeat(step, current, deps);
  return cancelOutOfStock(current, quantities, step, deps);
}

async function cancelOutOfStock(
  order: OrderRecord,
  quantities: readonly ProductQuantity[],
  step: StepSpec,
  deps: ReserveStockDeps,
): Promise<StepResult> {
  const { orderId, customerId } = order;
  const available = await deps.inventory.getAvailable(quantities.map((q) => q.productId));
  const unavailable = quantities
    .map((q) => ({
      productId: q.productId,
      requested: q.quantity,
      available: available.get(q.productId) ?? 0,
    }))
    .filter((line) => line.available < line.requested);
  // Stock came back between the transaction and the read: reserving may now succeed, so retry.
  if (unavailable.length === 0) throw new StockChangedError(orderId);

  const now = deps.clock.now();
  const event = buildEvent(
    OutOfStock,
    { orderId, customerId, unavailable },
    { orderId, eventId: deps.ids.newEventId(), occurredAt: now, causationId: step.causationId },
    deps.maxEventBytes,
  );
  const written = await deps.orders.transition({
    orderId,
    from: 'VALIDATED',
    to: 'CANCELLED',
    at: now.toISOString(),
    causationId: step.causationId,
    event,
    changes: { reason: 'OUT_OF_STOCK' },
    order: orderSummaryOf(order),
  });
  if (written === 'condition-failed') return settleRepeat(step, await deps.orders.get(orderId), deps);
  return publishAfterWrite(event, deps);
}
