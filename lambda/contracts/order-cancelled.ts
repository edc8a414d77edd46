import * as z from '../shared/zod';
import { type DetailOf, defineEvent, identifier, orderLines } from './envelope';

export const ORDER_CANCELLED = 'OrderCancelled';

export const OrderCancelled = defineEvent({
  detailType: ORDER_CANCELLED,
  schemaVersion: '1',
  description: 'Compensation finished: the reserved stock was released and the order ends CANCELLED. Final.',
  producer: 'release-stock',
  data: () =>
    z.object({
      orderId: identifier,
      customerId: identifier,
      reason: z.string().check(z.minLength(1), z.maxLength(200)),
      lines: orderLines,
    }),
});

export type OrderCancelledDetail = DetailOf<typeof OrderCancelled>;
