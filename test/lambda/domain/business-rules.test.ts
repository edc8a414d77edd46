import { describe, expect, it } from '@jest/globals';
import { orderRuleViolations, REJECTION_REASONS } from '../../../lambda/domain/business-rules';
import { anOrder } from '../support/events';

const policy = { currencies: ['EUR'], maxOrderAmount: 10_000 };

describe('orderRuleViolations', () => {
  it('GIVEN an order that keeps every rule WHEN checked THEN there is no reason to reject it', () => {
    expect(orderRuleViolations(anOrder(), policy)).toEqual([]);
  });

  it('GIVEN a total exactly at the maximum WHEN checked THEN it is accepted', () => {
    const order = anOrder({ lines: [{ productId: 'sku-a', quantity: 4, unitPrice: 2_500 }] });
    expect(orderRuleViolations(order, policy)).toEqual([]);
  });

  it('GIVEN an order that breaks every rule WHEN checked THEN every reason is listed once', () => {
    const order = anOrder({
      currency: 'USD',
      lines: [
        { productId: 'sku-a', quantity: 1, unitPrice: 9_000 },
        { productId: 'sku-a', quantity: 1, unitPrice: 9_000 },
      ],
      totalAmount: 18_001,
    });

    expect(orderRuleViolations(order, policy)).toEqual([
      REJECTION_REASONS.totalMismatch,
      REJECTION_REASONS.currencyNotAccepted,
      REJECTION_REASONS.aboveMaximum,
      REJECTION_REASONS.duplicateProducts,
    ]);
  });

  it('GIVEN the largest amounts the schema allows WHEN summed THEN the arithmetic stays exact', () => {
    const unitPrice = 100_000_000_000;
    const lines = Array.from({ length: 25 }, (_, i) => ({
      productId: `sku-${i}`,
      quantity: 1000,
      unitPrice,
    }));
    const order = anOrder({ lines, totalAmount: 25 * 1000 * unitPrice });

    expect(Number.isSafeInteger(order.totalAmount)).toBe(true);
    expect(
      orderRuleViolations(order, { currencies: ['EUR'], maxOrderAmount: Number.MAX_SAFE_INTEGER }),
    ).toEqual([]);
  });
});
