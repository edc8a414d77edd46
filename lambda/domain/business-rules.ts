import type { OrderSummary } from '../contracts';

/** Stage settings the validation step enforces (CURRENCIES, MAX_ORDER_AMOUNT). */
export interface OrderPolicy {
  readonly currencies: readonly string[];
  readonly maxOrderAmount: number;
}

/** Fixed texts so that consumers and dashboards can rely on them; at most one per rule. */
export const REJECTION_REASONS = {
  totalMismatch: 'total does not equal the sum of quantity x unit price',
  currencyNotAccepted: 'currency not accepted',
  aboveMaximum: 'total above the maximum order amount',
  duplicateProducts: 'a product appears on more than one line',
} as const;

/** Business rules of an order; the schema already guarantees shapes and ranges. Empty = valid. */
export function orderRuleViolations(order: OrderSummary, policy: OrderPolicy): string[] {
  const reasons: string[] = [];
  // Safe integers: at most 25 lines x 1,000 units x 10^11 minor units stays below 2^53.
  const linesTotal = order.lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
  if (linesTotal !== order.totalAmount) reasons.push(REJECTION_REASONS.totalMismatch);
  if (!policy.currencies.includes(order.currency)) reasons.push(REJECTION_REASONS.currencyNotAccepted);
  if (order.totalAmount > policy.maxOrderAmount) reasons.push(REJECTION_REASONS.aboveMaximum);
  if (new Set(order.lines.map((line) => line.productId)).size !== order.lines.length) {
    reasons.push(REJECTION_REASONS.duplicateProducts);
  }
  return reasons;
}
