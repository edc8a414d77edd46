import { type DetailOf, defineEvent } from './envelope';
import { orderSummary } from './order-summary';

export const STOCK_RESERVED = 'StockReserved';

export const StockReserved = defineEvent({
  detailType: STOCK_RESERVED,
  schemaVersion: '1',
  description: 'Stock for every line is held for the order (status RESERVED).',
  producer: 'reserve-stock',
  data: () => orderSummary,
});

export type StockReservedDetail = DetailOf<typeof StockReserved>;
