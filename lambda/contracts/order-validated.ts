import { type DetailOf, defineEvent } from './envelope';
import { orderSummary } from './order-summary';

export const ORDER_VALIDATED = 'OrderValidated';

export const OrderValidated = defineEvent({
  detailType: ORDER_VALIDATED,
  schemaVersion: '1',
  description: 'The order passed the business rules and was recorded with status VALIDATED.',
  producer: 'validate-order',
  data: () => orderSummary,
});

export type OrderValidatedDetail = DetailOf<typeof OrderValidated>;
