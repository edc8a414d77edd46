import * as z from '../shared/zod';
import { type DetailOf, defineEvent, identifier } from './envelope';
import { orderSummary } from './order-summary';

export const ORDER_FULFILLED = 'OrderFulfilled';

export const OrderFulfilled = defineEvent({
  detailType: ORDER_FULFILLED,
  schemaVersion: '1',
  description: 'The paid order was handed to fulfilment and ends FULFILLED. Final.',
  producer: 'fulfil-order',
  data: () => z.extend(orderSummary, { fulfilmentId: identifier }),
});

export type OrderFulfilledDetail = DetailOf<typeof OrderFulfilled>;
