import { describe, expect, it } from '@jest/globals';
import {
  ORDER_CANCELLED,
  OrderCancelled,
  type PaymentFailedDetail,
  STOCK_RESERVED,
  type StockReservedDetail,
} from '../../../lambda/contracts';
import { UnexpectedOrderStateError } from '../../../lambda/domain/errors';
import { releaseStock } from '../../../lambda/domain/release-stock';
import { takePayment } from '../../../lambda/domain/take-payment';
import { CrashError, crashOnce } from '../fakes/step-deps';
import { anOrder } from '../support/events';
import { charged, shop } from '../support/flow';

async function declined(s: ReturnType<typeof shop>) {
  return (await charged(s, anOrder({ customerId: 'declined-1' }))) as PaymentFailedDetail;
}

describe('releaseStock', () => {
  it('GIVEN a declined payment WHEN compensated THEN the stock is back, the reservation RELEASED and the order CANCELLED', async () => {
    const s = shop();
    const failed = await declined(s);
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 8, 'sku-pear': 9 });

    const result = await releaseStock(failed, s);

    expect(result).toEqual({ outcome: 'transitioned', published: ORDER_CANCELLED });
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 10, 'sku-pear': 10 });
    expect(s.inventory.reservations.get(failed.data.orderId)?.status).toBe('RELEASED');
    expect(await s.orders.get(failed.data.orderId)).toMatchObject({
      status: 'CANCELLED',
      reason: 'PAYMENT_DECLINED',
    });
    const [published] = s.publisher.ofType(ORDER_CANCELLED);
    expect(OrderCancelled.detail.parse(published?.detail).data).toMatchObject({
      orderId: failed.data.orderId,
      reason: 'PAYMENT_DECLINED',
    });
  });

  it('GIVEN a released order WHEN a PaymentFailed with a new event id arrives THEN it is ignored and the stock is given back only once (scenario 2)', async () => {
    const s = shop();
    const failed = await declined(s);
    await releaseStock(failed, s);

    const repeat = await releaseStock(
      { ...failed, metadata: { ...failed.metadata, eventId: crypto.randomUUID() } },
      s,
    );

    expect(repeat).toEqual({ outcome: 'ignored', reason: 'not-the-stored-event' });
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 10, 'sku-pear': 10 });
    expect(s.publisher.ofType(ORDER_CANCELLED)).toHaveLength(1);
  });

  it('GIVEN concurrent deliveries WHEN compensated together THEN the stock is given back once (scenario 4)', async () => {
    const s = shop();
    const failed = await declined(s);

    await Promise.all([releaseStock(failed, s), releaseStock(failed, s)]);

    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 10, 'sku-pear': 10 });
  });

  it('fails with the crash after the compensation, and the redelivery publishes the stored OrderCancelled once without releasing again (scenario 10)', async () => {
    const s = shop();
    const failed = await declined(s);

    await expect(releaseStock(failed, crashOnce(s, 'after-write'))).rejects.toThrow(CrashError);
    expect(s.publisher.ofType(ORDER_CANCELLED)).toHaveLength(0);
    const redelivery = await releaseStock(failed, s);

    expect(redelivery).toEqual({ outcome: 'republished', published: ORDER_CANCELLED });
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 10, 'sku-pear': 10 });
    expect(s.publisher.ofType(ORDER_CANCELLED)).toEqual([s.orders.storedEvent(failed.data.orderId)]);
  });

  it('GIVEN the order CANCELLED by the compensation WHEN StockReserved is redelivered to take-payment THEN the order is unchanged and nothing is published', async () => {
    const s = shop();
    const failed = await declined(s);
    await releaseStock(failed, s);
    const stockReserved = s.publisher.ofType(STOCK_RESERVED)[0]?.detail as StockReservedDetail;
    const before = await s.orders.get(failed.data.orderId);
    const published = s.publisher.published.length;

    const late = await takePayment(stockReserved, s);

    expect(late).toEqual({ outcome: 'duplicate' });
    expect(s.publisher.published).toHaveLength(published);
    expect(await s.orders.get(failed.data.orderId)).toEqual(before);
  });

  it('GIVEN the event claims other lines WHEN compensated THEN exactly the reserved units come back', async () => {
    const s = shop();
    const failed = await declined(s);
    const forged = {
      ...failed,
      data: { ...failed.data, lines: [{ productId: 'sku-apple', quantity: 99, unitPrice: 1 }] },
    };

    await releaseStock(forged, s);

    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 10, 'sku-pear': 10 });
  });

  it('fails with UnexpectedOrderStateError when the order awaits compensation but has no reservation', async () => {
    const s = shop();
    const failed = await declined(s);
    s.inventory.reservations.clear();

    await expect(releaseStock(failed, s)).rejects.toThrow(UnexpectedOrderStateError);
    expect((await s.orders.get(failed.data.orderId))?.status).toBe('PAYMENT_FAILED');
  });
});
