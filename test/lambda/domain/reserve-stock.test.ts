import { describe, expect, it } from '@jest/globals';
import {
  type OrderValidatedDetail,
  OUT_OF_STOCK,
  OutOfStock,
  STOCK_RESERVED,
} from '../../../lambda/contracts';
import { StockChangedError } from '../../../lambda/domain/errors';
import { reserveStock } from '../../../lambda/domain/reserve-stock';
import { takePayment } from '../../../lambda/domain/take-payment';
import { CrashError, crashOnce } from '../fakes/step-deps';
import { anOrder } from '../support/events';
import { placedAndValidated, reserved, shop } from '../support/flow';

describe('reserveStock', () => {
  it('GIVEN stock for every line WHEN reserved THEN stock drops in one transaction with the order, which is RESERVED, and StockReserved is published', async () => {
    const s = shop();
    const validated = await placedAndValidated(s, anOrder());

    const result = await reserveStock(validated, s);

    expect(result).toEqual({ outcome: 'transitioned', published: STOCK_RESERVED });
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 8, 'sku-pear': 9 });
    expect(s.inventory.writes).toEqual([
      {
        kind: 'reserve',
        lines: [
          { productId: 'sku-apple', quantity: 2 },
          { productId: 'sku-pear', quantity: 1 },
        ],
      },
    ]);
    expect((await s.orders.get(validated.data.orderId))?.status).toBe('RESERVED');
    expect(s.publisher.ofType(STOCK_RESERVED)).toHaveLength(1);
  });

  it('GIVEN two lines of one product WHEN reserved THEN the product is decremented once by their sum', async () => {
    const s = shop({ 'sku-apple': 5 });
    const validated = await placedAndValidated(s, anOrder());
    // Validation refuses such an order, so it is stored by hand: the step must not rely on that check.
    const stored = s.orders.items.get(validated.data.orderId);
    if (stored === undefined) throw new Error('order not stored');
    s.orders.items.set(validated.data.orderId, {
      ...stored,
      lines: [
        { productId: 'sku-apple', quantity: 2, unitPrice: 1 },
        { productId: 'sku-apple', quantity: 3, unitPrice: 1 },
      ],
    });

    await reserveStock(validated, s);

    expect(s.inventory.stock.get('sku-apple')).toBe(0);
    expect(s.inventory.writes).toEqual([
      { kind: 'reserve', lines: [{ productId: 'sku-apple', quantity: 5 }] },
    ]);
  });

  it('GIVEN a short line and an unknown product WHEN reserved THEN nothing is reserved and the order ends CANCELLED with OutOfStock', async () => {
    const s = shop({ 'sku-apple': 1, 'sku-pear': 10 });
    const validated = await placedAndValidated(
      s,
      anOrder({
        lines: [
          { productId: 'sku-apple', quantity: 2, unitPrice: 100 },
          { productId: 'sku-pear', quantity: 1, unitPrice: 100 },
          { productId: 'sku-ghost', quantity: 1, unitPrice: 100 },
        ],
      }),
    );

    const result = await reserveStock(validated, s);

    expect(result).toEqual({ outcome: 'transitioned', published: OUT_OF_STOCK });
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 1, 'sku-pear': 10 });
    expect(s.inventory.writes).toEqual([]);
    const order = await s.orders.get(validated.data.orderId);
    expect(order).toMatchObject({ status: 'CANCELLED', reason: 'OUT_OF_STOCK' });
    const [event] = s.publisher.ofType(OUT_OF_STOCK);
    expect(OutOfStock.detail.parse(event?.detail).data.unavailable).toEqual([
      { productId: 'sku-apple', requested: 2, available: 1 },
      { productId: 'sku-ghost', requested: 1, available: 0 },
    ]);
  });

  it('GIVEN a reserved order WHEN an OrderValidated with a new event id arrives THEN it is ignored and stock is not taken twice (scenario 2)', async () => {
    const s = shop();
    const validated = await placedAndValidated(s, anOrder());
    await reserveStock(validated, s);

    const repeat = await reserveStock(
      { ...validated, metadata: { ...validated.metadata, eventId: crypto.randomUUID() } },
      s,
    );

    expect(repeat).toEqual({ outcome: 'ignored', reason: 'not-the-stored-event' });
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 8, 'sku-pear': 9 });
    expect(s.inventory.writes.map((w) => w.kind)).toEqual(['reserve']);
    expect(s.publisher.ofType(STOCK_RESERVED)).toHaveLength(1);
  });

  it('GIVEN two concurrent deliveries WHEN processed together THEN stock is decremented once (scenario 4)', async () => {
    const s = shop();
    const validated = await placedAndValidated(s, anOrder());

    const results = await Promise.all([reserveStock(validated, s), reserveStock(validated, s)]);

    expect(results.filter((r) => r.outcome === 'transitioned')).toHaveLength(1);
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 8, 'sku-pear': 9 });
    expect(s.inventory.writes.map((w) => w.kind)).toEqual(['reserve']);
    expect(new Set(s.publisher.ofType(STOCK_RESERVED).map((e) => e.detail.metadata.eventId)).size).toBe(1);
  });

  it('GIVEN two orders for the last unit WHEN reserved concurrently THEN one is reserved, the other is out of stock, stock never below zero', async () => {
    const s = shop({ 'sku-last': 1 });
    const line = [{ productId: 'sku-last', quantity: 1, unitPrice: 500 }];
    const first = await placedAndValidated(s, anOrder({ lines: line }));
    const second = await placedAndValidated(s, anOrder({ lines: line }));

    const results = await Promise.all([reserveStock(first, s), reserveStock(second, s)]);

    expect(results.map((r) => (r.outcome === 'transitioned' ? r.published : r.outcome)).sort()).toEqual([
      OUT_OF_STOCK,
      STOCK_RESERVED,
    ]);
    expect(s.inventory.stock.get('sku-last')).toBe(0);
  });

  it('fails with the crash after the write, and the redelivery publishes the stored StockReserved without reserving again (scenario 10)', async () => {
    const s = shop();
    const validated = await placedAndValidated(s, anOrder());
    const before = s.publisher.published.length;

    await expect(reserveStock(validated, crashOnce(s, 'after-write'))).rejects.toThrow(CrashError);
    const redelivery = await reserveStock(validated, s);

    expect(redelivery).toEqual({ outcome: 'republished', published: STOCK_RESERVED });
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 8, 'sku-pear': 9 });
    expect(s.publisher.published.slice(before)).toEqual([s.orders.storedEvent(validated.data.orderId)]);
  });

  it('fails with the crash after the out-of-stock write, and the redelivery publishes the stored OutOfStock once', async () => {
    const s = shop({ 'sku-apple': 1, 'sku-pear': 10 });
    const validated = await placedAndValidated(s, anOrder());
    const before = s.publisher.published.length;

    await expect(reserveStock(validated, crashOnce(s, 'after-write'))).rejects.toThrow(CrashError);
    const redelivery = await reserveStock(validated, s);

    expect(redelivery).toEqual({ outcome: 'republished', published: OUT_OF_STOCK });
    expect(s.orders.appliedWrites.filter((w) => w.includes('VALIDATED->CANCELLED'))).toHaveLength(1);
    expect(s.publisher.published.slice(before).map((e) => e.detailType)).toEqual([OUT_OF_STOCK]);
  });

  it('GIVEN the order moved on to PAID WHEN its OrderValidated is redelivered THEN nothing is reserved or published', async () => {
    const s = shop();
    const stockReserved = await reserved(s, anOrder());
    await takePayment(stockReserved, s);
    const validated = s.publisher.ofType('OrderValidated')[0]?.detail as OrderValidatedDetail;
    const before = s.publisher.published.length;

    const redelivery = await reserveStock(validated, s);

    expect(redelivery).toEqual({ outcome: 'duplicate' });
    expect(s.publisher.published).toHaveLength(before);
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 8, 'sku-pear': 9 });
  });

  it('fails with StockChangedError when the stock came back between the refusal and the re-read, so it is retried', async () => {
    const s = shop({ 'sku-apple': 0, 'sku-pear': 10 });
    const validated = await placedAndValidated(s, anOrder());
    s.inventory.afterFailedReserve = () => s.inventory.stock.set('sku-apple', 10);

    await expect(reserveStock(validated, s)).rejects.toThrow(StockChangedError);
    expect((await s.orders.get(validated.data.orderId))?.status).toBe('VALIDATED');
  });

  it('GIVEN no such order WHEN an OrderValidated about it arrives THEN it is ignored and nothing is reserved', async () => {
    const s = shop();
    const validated = await placedAndValidated(s, anOrder());
    s.orders.items.clear();

    expect(await reserveStock(validated, s)).toEqual({ outcome: 'ignored', reason: 'unknown-order' });
    expect(s.inventory.writes).toEqual([]);
  });
});
