import { orderStepHandler } from '../adapters/order-step-runtime';
import { PaymentFailed } from '../contracts';
import { releaseStock } from '../domain/release-stock';

/** PaymentFailed -> the reserved units given back, CANCELLED (OrderCancelled). */
export const handler = orderStepHandler({
  name: 'release-stock',
  accepts: PaymentFailed,
  step: releaseStock,
});
