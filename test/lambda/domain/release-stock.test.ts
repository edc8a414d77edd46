import { describe, expect, it } from '@jest/globals';
import {
  ORDER_CANCELLED,
  ORDER_VALIDATED,
  OrderCancelled,
  type OrderValidatedDetail,
  PAYMENT_FAILED,
  type PaymentFailedDetail,
  STOCK_RESERVED,
  type StockReservedDetail,
} from '../../../lambda/contracts';
import { releaseStock } from '../../../lambda/domain/release-stock';
import { reserveStock } from '../../../lambda/domain/reserve-stock';
import { takePayment } from '../../../lambda/domain/take-payment';
import { CrashError, crashOnce } from '../fakes/step-deps';
import { anOrder } from '../support/events';
import { charged, placedAndValidated, shop } from '../support/flow';

async function declined(s: ReturnType<typeof shop>) {
  return (await charged(s, anOrder({ customerId: 'declined-1' }))) as PaymentFailedDetail;
}

describe('releaseStock', () => {
  it('GIVEN a declined payment WHEN compensated THEN one transaction gives back what was reserved and moves the order to CANCELLED', async () => {
    const s = shop();
    const failed = await declined(s);
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 8, 'sku-pear': 9 });

    const result = await releaseStock(failed, s);

    expect(result).toEqual({ outcome: 'transitioned', published: ORDER_CANCELLED });
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 10, 'sku-pear': 10 });
    const [reserve, release] = s.inventory.writes;
    expect(s.inventory.writes).toHaveLength(2);
    expect(release).toEqual({ kind: 'release', lines: reserve?.lines });
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

  it('GIVEN a released order WHEN its PaymentFailed is redelivered THEN the stored OrderCancelled is published again and nothing is given back (scenario 3)', async () => {
    const s = shop();
    const failed = await declined(s);
    await releaseStock(failed, s);
    const cancelled = await s.orders.get(failed.data.orderId);

    const redelivery = await releaseStock(failed, s);

    expect(redelivery).toEqual({ outcome: 'republished', published: ORDER_CANCELLED });
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 10, 'sku-pear': 10 });
    expect(s.inventory.writes.map((w) => w.kind)).toEqual(['reserve', 'release']);
    expect(await s.orders.get(failed.data.orderId)).toEqual(cancelled);
  });

  it('GIVEN a compensated order WHEN the archive replays its OrderValidated and PaymentFailed THEN stock is neither taken nor given back again (scenario 23)', async () => {
    const s = shop();
    const failed = await declined(s);
    await releaseStock(failed, s);
    const validated = s.publisher.ofType(ORDER_VALIDATED)[0]?.detail as OrderValidatedDetail;
    const cancelled = await s.orders.get(failed.data.orderId);

    const replayed = [await reserveStock(validated, s), await releaseStock(failed, s)];

    expect(replayed.map((r) => r.outcome)).toEqual(['duplicate', 'republished']);
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 10, 'sku-pear': 10 });
    expect(s.inventory.writes.map((w) => w.kind)).toEqual(['reserve', 'release']);
    expect(await s.orders.get(failed.data.orderId)).toEqual(cancelled);
  });

  it('GIVEN concurrent deliveries WHEN compensated together THEN the stock is given back once (scenario 4)', async () => {
    const s = shop();
    const failed = await declined(s);

    const results = await Promise.all([releaseStock(failed, s), releaseStock(failed, s)]);

    expect(results.map((r) => r.outcome).sort()).toEqual(['republished', 'transitioned']);
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 10, 'sku-pear': 10 });
    expect(s.inventory.writes.map((w) => w.kind)).toEqual(['reserve', 'release']);
  });

  it('fails with the crash after the compensation, and the redelivery publishes the stored OrderCancelled once without releasing again (scenario 10)', async () => {
    const s = shop();
    const failed = await declined(s);

    await expect(releaseStock(failed, crashOnce(s, 'after-write'))).rejects.toThrow(CrashError);
    expect(s.publisher.ofType(ORDER_CANCELLED)).toHaveLength(0);
    const redelivery = await releaseStock(failed, s);

    expect(redelivery).toEqual({ outcome: 'republished', published: ORDER_CANCELLED });
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 10, 'sku-pear': 10 });
    expect(s.inventory.writes.map((w) => w.kind)).toEqual(['reserve', 'release']);
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

  it('GIVEN an order whose lines name one product twice WHEN compensated THEN the product gets back their sum, as reserve took it', async () => {
    const s = shop({ 'sku-apple': 5 });
    const order = anOrder({
      lines: [
        { productId: 'sku-apple', quantity: 2, unitPrice: 1 },
        { productId: 'sku-apple', quantity: 3, unitPrice: 1 },
      ],
    });
    // Validation refuses such an order, so it is stored by hand between the steps: neither stock step
    // may rely on that check.
    const validated = await placedAndValidated(s, {
      ...anOrder(),
      orderId: order.orderId,
      customerId: 'declined-2',
    });
    const stored = s.orders.items.get(order.orderId);
    if (stored === undefined) throw new Error('order not stored');
    s.orders.items.set(order.orderId, { ...stored, lines: order.lines });
    await reserveStock(validated, s);
    await takePayment(s.publisher.ofType(STOCK_RESERVED)[0]?.detail as StockReservedDetail, s);
    const failed = s.publisher.ofType(PAYMENT_FAILED)[0]?.detail as PaymentFailedDetail;
    expect(s.inventory.stock.get('sku-apple')).toBe(0);

    await releaseStock(failed, s);

    expect(s.inventory.stock.get('sku-apple')).toBe(5);
    expect(s.inventory.writes).toEqual([
      { kind: 'reserve', lines: [{ productId: 'sku-apple', quantity: 5 }] },
      { kind: 'release', lines: [{ productId: 'sku-apple', quantity: 5 }] },
    ]);
  });
});
