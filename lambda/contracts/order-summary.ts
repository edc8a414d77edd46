import * as z from '../shared/zod';
import { currency, identifier, minorUnits, orderLines } from './envelope';

/** The order as it travels through the flow: event-carried state, so no step reads another's table. */
export const orderSummary = z.object({
  orderId: identifier,
  customerId: identifier,
  lines: orderLines,
  currency,
  totalAmount: minorUnits,
});
export type OrderSummary = z.infer<typeof orderSummary>;
