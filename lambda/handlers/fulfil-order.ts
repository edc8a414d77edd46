import { orderStepHandler } from '../adapters/order-step-runtime';
import { PaymentSucceeded } from '../contracts';
import { fulfilOrder } from '../domain/fulfil-order';

/** PaymentSucceeded -> FULFILLED (OrderFulfilled). */
export const handler = orderStepHandler({
  name: 'fulfil-order',
  accepts: PaymentSucceeded,
  step: fulfilOrder,
});
