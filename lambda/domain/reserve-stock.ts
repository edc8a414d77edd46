import {
  type OrderValidatedDetail,
  OUT_OF_STOCK,
  OutOfStock,
  STOCK_RESERVED,
  StockReserved,
} from '../contracts';
import { StockChangedError } from './errors';
import { buildEvent } from './events';
import { orderSummaryOf, type ProductQuantity, quantitiesByProduct, type Transition } from './order';
import { publishAfterWrite, type StepResult, type StepSpec, settleRepeat } from './outbox';
import type { InventoryRepository, OrderStepDeps } from './ports';

export interface ReserveStockDeps extends OrderStepDeps {
  readonly inventory: InventoryRepository;
}

/**
 * OrderValidated -> one transaction reserves every line and moves the order to RESERVED (StockReserved);
 * if a line is short, nothing is reserved and the order ends CANCELLED (OutOfStock).
 */
export async function reserveStock(
  validated: OrderValidatedDetail,
  deps: ReserveStockDeps,
): Promise<StepResult> {
  const order = orderSummaryOf(validated.data);
  const step: StepSpec = {
    orderId: order.orderId,
    expected: 'VALIDATED',
    causationId: validated.metadata.eventId,
    publishes: [STOCK_RESERVED, OUT_OF_STOCK],
  };
  const quantities = quantitiesByProduct(order.lines);
  const now = deps.clock.now();
  const event = buildEvent(
    StockReserved,
    order,
    {
      orderId: order.orderId,
      eventId: deps.ids.newEventId(),
      occurredAt: now,
      causationId: validated.metadata.eventId,
    },
    deps.maxEventBytes,
  );
  const transition: Transition = {
    orderId: order.orderId,
    from: 'VALIDATED',
    to: 'RESERVED',
    at: now.toISOString(),
    causationId: validated.metadata.eventId,
    event,
  };

  await deps.faults.at('before-write', order.orderId);
  if ((await deps.inventory.reserve(transition, quantities)) === 'applied') {
    return publishAfterWrite(order.orderId, event, deps);
  }
  // The transaction was refused: either the order moved on (a repeat) or a line is short.
  const current = await deps.orders.get(order.orderId);
  if (current?.status !== 'VALIDATED') return settleRepeat(step, current, deps);
  return cancelOutOfStock(validated, quantities, step, deps);
}

async function cancelOutOfStock(
  validated: OrderValidatedDetail,
  quantities: readonly ProductQuantity[],
  step: StepSpec,
  deps: ReserveStockDeps,
): Promise<StepResult> {
  const { orderId, customerId } = validated.data;
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
    { orderId, eventId: deps.ids.newEventId(), occurredAt: now, causationId: validated.metadata.eventId },
    deps.maxEventBytes,
  );
  const written = await deps.orders.transition({
    orderId,
    from: 'VALIDATED',
    to: 'CANCELLED',
    at: now.toISOString(),
    causationId: validated.metadata.eventId,
    event,
    changes: { reason: 'OUT_OF_STOCK' },
  });
  if (written === 'condition-failed') return settleRepeat(step, await deps.orders.get(orderId), deps);
  return publishAfterWrite(orderId, event, deps);
}
