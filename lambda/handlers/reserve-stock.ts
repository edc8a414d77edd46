import { orderStepHandler } from '../adapters/order-step-runtime';
import { OrderValidated } from '../contracts';
import { reserveStock } from '../domain/reserve-stock';

/** OrderValidated -> stock reserved, RESERVED (StockReserved), or CANCELLED (OutOfStock). */
export const handler = orderStepHandler({
  name: 'reserve-stock',
  accepts: OrderValidated,
  step: reserveStock,
});
