import * as z from 'zod';
import { type DetailOf, defineEvent, identifier } from './envelope';

export const ORDER_REJECTED = 'OrderRejected';

export const OrderRejected = defineEvent({
  detailType: ORDER_REJECTED,
  schemaVersion: '1',
  description: 'The order broke a business rule and ends REJECTED. Final.',
  producer: 'validate-order',
  data: z.object({
    orderId: identifier,
    customerId: identifier,
    reasons: z.array(z.string().max(200)).min(1).max(20),
  }),
});

export type OrderRejectedDetail = DetailOf<typeof OrderRejected>;
