import * as z from '../shared/zod';
import { type DetailOf, defineEvent } from './envelope';
import { orderSummary } from './order-summary';

export const PAYMENT_FAILED = 'PaymentFailed';

export const PaymentFailed = defineEvent({
  detailType: PAYMENT_FAILED,
  schemaVersion: '1',
  description: 'The payment provider declined; the reserved stock must be released (status PAYMENT_FAILED).',
  producer: 'take-payment',
  data: () => z.extend(orderSummary, { reason: z.string().check(z.minLength(1), z.maxLength(200)) }),
});

export type PaymentFailedDetail = DetailOf<typeof PaymentFailed>;
