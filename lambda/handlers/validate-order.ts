import { orderStepHandler } from '../adapters/order-step-runtime';
import { OrderPlaced } from '../contracts';
import { validateOrder } from '../domain/validate-order';

/** OrderPlaced -> the order created VALIDATED (OrderValidated) or REJECTED (OrderRejected). */
export const handler = orderStepHandler({
  name: 'validate-order',
  accepts: OrderPlaced,
  step: validateOrder,
});
