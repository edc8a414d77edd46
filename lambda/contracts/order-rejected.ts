import * as z from '../shared/zod';
import { type DetailOf, defineEvent, identifier } from './envelope';

export const ORDER_REJECTED = 'OrderRejected';

export const OrderRejected = defineEvent({
  detailType: ORDER_REJECTED,
  schemaVersion: '1',
  description: 'The order broke a business rule and ends REJECTED. Final.',
  producer: 'validate-order',
  data: () =>
    z.object({
      orderId: identifier,
      customerId: identifier,
      reasons: z.array(z.string().check(z.maxLength(200))).check(z.minLength(1), z.maxLength(20)),
    }),
});

export type OrderRejectedDetail = DetailOf<typeof OrderRejected>;
