import { describe, expect, it } from '@jest/globals';
import {
  FINAL_ORDER_STATUSES,
  isFinalOrderStatus,
  orderSummaryOf,
  quantitiesByProduct,
} from '../../../lambda/domain/order';
import { anOrder } from '../support/events';

describe('quantitiesByProduct', () => {
  it('GIVEN lines repeating a product WHEN merged THEN each product appears once with the sum', () => {
    expect(
      quantitiesByProduct([
        { productId: 'a', quantity: 1 },
        { productId: 'b', quantity: 2 },
        { productId: 'a', quantity: 3 },
      ]),
    ).toEqual([
      { productId: 'a', quantity: 4 },
      { productId: 'b', quantity: 2 },
    ]);
  });
});

describe('orderSummaryOf', () => {
  it('GIVEN event data with step-specific fields WHEN summarised THEN only the order fields remain', () => {
    const order = anOrder();
    expect(orderSummaryOf({ ...order, paymentId: 'pay-1' } as typeof order)).toEqual(order);
  });
});

describe('FINAL_ORDER_STATUSES', () => {
  it('GIVEN the statuses an order ends in THEN they are final, every other status and none are not', () => {
    expect(FINAL_ORDER_STATUSES).toEqual(['FULFILLED', 'REJECTED', 'CANCELLED']);
    for (const status of FINAL_ORDER_STATUSES) expect(isFinalOrderStatus(status)).toBe(true);
    for (const status of ['VALIDATED', 'RESERVED', 'PAID', 'PAYMENT_FAILED', undefined, 'fulfilled']) {
      expect(isFinalOrderStatus(status)).toBe(false);
    }
  });
});
