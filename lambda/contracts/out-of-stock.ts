import * as z from '../shared/zod';
import { type DetailOf, defineEvent, identifier } from './envelope';

export const OUT_OF_STOCK = 'OutOfStock';

export const OutOfStock = defineEvent({
  detailType: OUT_OF_STOCK,
  schemaVersion: '1',
  description:
    'At least one line could not be reserved; nothing was reserved and the order ends CANCELLED. Final.',
  producer: 'reserve-stock',
  data: () =>
    z.object({
      orderId: identifier,
      customerId: identifier,
      unavailable: z
        .array(
          z.object({
            productId: identifier,
            requested: z.int().check(z.positive()),
            available: z.int().check(z.nonnegative()),
          }),
        )
        .check(z.minLength(1)),
    }),
});

export type OutOfStockDetail = DetailOf<typeof OutOfStock>;
