import * as z from '../shared/zod';
import { type DetailOf, defineEvent, identifier } from './envelope';
import { orderSummary } from './order-summary';

export const PAYMENT_SUCCEEDED = 'PaymentSucceeded';

export const PaymentSucceeded = defineEvent({
  detailType: PAYMENT_SUCCEEDED,
  schemaVersion: '1',
  description: 'The payment provider captured the order total (status PAID).',
  producer: 'take-payment',
  data: () => z.extend(orderSummary, { paymentId: identifier }),
});

export type PaymentSucceededDetail = DetailOf<typeof PaymentSucceeded>;
