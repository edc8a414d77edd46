import { type DetailOf, defineEvent } from './envelope';
import { orderSummary } from './order-summary';

export const ORDER_PLACED = 'OrderPlaced';

export const OrderPlaced = defineEvent({
  detailType: ORDER_PLACED,
  schemaVersion: '1',
  description: 'A customer placed an order. Entry point of the pipeline.',
  producer: 'client',
  data: () => orderSummary,
});

export type OrderPlacedDetail = DetailOf<typeof OrderPlaced>;
