import { describe, expect, it } from '@jest/globals';
import {
  ORDER_FULFILLED,
  type OrderValidatedDetail,
  PAYMENT_SUCCEEDED,
  PaymentSucceeded,
  type PaymentSucceededDetail,
  STOCK_RESERVED,
  type StockReservedDetail,
} from '../../../lambda/contracts';
import { fulfilOrder } from '../../../lambda/domain/fulfil-order';
import { uuidFromParts } from '../../../lambda/domain/ids';
import { reserveStock } from '../../../lambda/domain/reserve-stock';
import { takePayment } from '../../../lambda/domain/take-payment';
import { CrashError, crashOnce } from '../fakes/step-deps';
import { anOrder } from '../support/events';
import { charged, placedAndValidated, reserved, shop } from '../support/flow';

/**
 * Step events put with their rightful source (so past the rules, IAM and the bus policy: a compromised
 * producer, or a replay) but about state the order never stored: a foreign event id, other lines, another
 * amount. None may change anything; every step acts on the stored order.
 */

const cheap = { productId: 'sku-apple', quantity: 1, unitPrice: 1 };

describe('forged step events', () => {
  it('GIVEN a reserved order WHEN a StockReserved with a new event id and a total of 1 arrives THEN it is ignored: no charge, no transition', async () => {
    const s = shop();
    const real = await reserved(s, anOrder());
    const forged: StockReservedDetail = {
      metadata: { ...real.metadata, eventId: crypto.randomUUID() },
      data: { ...real.data, lines: [cheap], totalAmount: 1 },
    };

    const result = await takePayment(forged, s);

    expect(result).toEqual({ outcome: 'ignored', reason: 'not-the-stored-event' });
    expect(s.payments.calls).toEqual([]);
    expect((await s.orders.get(real.data.orderId))?.status).toBe('RESERVED');
  });

  it('GIVEN a reserved order WHEN a copy of its StockReserved (same event id) claims a total of 1 THEN the stored amount is charged', async () => {
    const s = shop();
    const real = await reserved(s, anOrder());
    const tampered: StockReservedDetail = { ...real, data: { ...real.data, lines: [cheap], totalAmount: 1 } };

    await takePayment(tampered, s);

    expect(s.payments.calls.map((c) => c.request.amount)).toEqual([real.data.totalAmount]);
    const [paid] = s.publisher.ofType(PAYMENT_SUCCEEDED);
    expect(PaymentSucceeded.detail.parse(paid?.detail).data).toMatchObject({
      totalAmount: real.data.totalAmount,
      lines: real.data.lines,
    });
  });

  it('GIVEN a forged StockReserved racing the real one WHEN both are handled together THEN the order is charged once, the stored amount', async () => {
    const s = shop();
    const real = await reserved(s, anOrder());
    const forged: StockReservedDetail = {
      metadata: { ...real.metadata, eventId: crypto.randomUUID() },
      data: { ...real.data, totalAmount: 1 },
    };

    const results = await Promise.all([takePayment(forged, s), takePayment(real, s)]);

    expect(results.map((r) => r.outcome).sort()).toEqual(['ignored', 'transitioned']);
    expect(s.payments.calls.map((c) => c.request.amount)).toEqual([real.data.totalAmount]);
    expect(s.payments.capturesOf(real.data.orderId)).toBe(1);
    expect((await s.orders.get(real.data.orderId))?.payment).toMatchObject({
      status: 'CAPTURED',
      amount: real.data.totalAmount,
    });
  });

  it('GIVEN a validated order WHEN a copy of its OrderValidated (same event id) carries lines validate-order never saw THEN the stored lines are reserved', async () => {
    const s = shop({ 'sku-apple': 1000, 'sku-pear': 1000 });
    const real = await placedAndValidated(s, anOrder());
    const tampered: OrderValidatedDetail = {
      ...real,
      data: {
        ...real.data,
        lines: [{ productId: 'sku-apple', quantity: 999, unitPrice: 0 }],
        totalAmount: 0,
      },
    };

    await reserveStock(tampered, s);

    expect(s.inventory.writes).toEqual([
      { kind: 'reserve', lines: real.data.lines.map(({ productId, quantity }) => ({ productId, quantity })) },
    ]);
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 998, 'sku-pear': 999 });
    expect(s.publisher.ofType(STOCK_RESERVED)[0]?.detail.data).toMatchObject({ lines: real.data.lines });
  });

  it('GIVEN a validated order WHEN an OrderValidated with a foreign event id arrives THEN nothing is reserved', async () => {
    const s = shop();
    const real = await placedAndValidated(s, anOrder());

    const result = await reserveStock(
      { ...real, metadata: { ...real.metadata, eventId: crypto.randomUUID() } },
      s,
    );

    expect(result).toEqual({ outcome: 'ignored', reason: 'not-the-stored-event' });
    expect(s.inventory.writes).toEqual([]);
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 10, 'sku-pear': 10 });
  });

  it('GIVEN a reserved order WHEN a PaymentSucceeded nobody stored arrives THEN the order is not fulfilled', async () => {
    const s = shop();
    const real = await reserved(s, anOrder());
    const forged = {
      metadata: {
        ...real.metadata,
        eventId: crypto.randomUUID(),
        idempotencyKey: `${real.data.orderId}:PaymentSucceeded`,
      },
      data: { ...real.data, paymentId: 'pay-forged' },
    } as PaymentSucceededDetail;

    expect(await fulfilOrder(forged, s)).toEqual({ outcome: 'ignored', reason: 'not-the-stored-event' });
    expect((await s.orders.get(real.data.orderId))?.status).toBe('RESERVED');
    expect(s.publisher.ofType(ORDER_FULFILLED)).toEqual([]);
  });
});

describe('payment exactly once', () => {
  it('GIVEN a crash between the provider call and the write WHEN redelivered THEN the provider is called again with the same key: one capture', async () => {
    const s = shop();
    const event = await reserved(s, anOrder());

    // 'before-write' in take-payment is right after the provider call
    await expect(takePayment(event, crashOnce(s, 'before-write'))).rejects.toThrow(CrashError);
    await takePayment(event, s);

    const keys = s.payments.calls.map((c) => c.request.idempotencyKey);
    expect(keys).toEqual([
      uuidFromParts('payment', event.data.orderId, event.metadata.eventId),
      uuidFromParts('payment', event.data.orderId, event.metadata.eventId),
    ]);
    expect(s.payments.capturesOf(event.data.orderId)).toBe(1);
    expect((await s.orders.get(event.data.orderId))?.status).toBe('PAID');
  });

  it.each([
    ['paid', false, 'republished'],
    ['fulfilled', true, 'duplicate'],
  ])(
    'GIVEN an order %s WHEN its StockReserved is replayed or redriven THEN the provider is not called',
    async (_state, fulfil, outcome) => {
      const s = shop();
      const paid = (await charged(s, anOrder())) as PaymentSucceededDetail;
      if (fulfil) await fulfilOrder(paid, s);
      const stockReserved = s.publisher.ofType(STOCK_RESERVED)[0]?.detail as StockReservedDetail;
      const calls = s.payments.calls.length;

      const result = await takePayment(stockReserved, s);

      // A paid order re-sends its stored PaymentSucceeded (this event caused that transition); neither calls the provider.
      expect(result.outcome).toBe(outcome);
      expect(s.payments.calls).toHaveLength(calls);
    },
  );

  it('GIVEN two deliveries of one StockReserved at once WHEN charged THEN both use one attempt key: one capture', async () => {
    const s = shop();
    const event = await reserved(s, anOrder());

    await Promise.all([takePayment(event, s), takePayment(event, s)]);

    expect(new Set(s.payments.calls.map((c) => c.request.idempotencyKey)).size).toBe(1);
    expect(s.payments.capturesOf(event.data.orderId)).toBe(1);
  });
});
