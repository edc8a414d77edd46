import { describe, expect, it } from '@jest/globals';
import {
  PAYMENT_FAILED,
  PAYMENT_SUCCEEDED,
  PaymentFailed,
  PaymentSucceeded,
  type PaymentSucceededDetail,
} from '../../../lambda/contracts';
import { fulfilOrder } from '../../../lambda/domain/fulfil-order';
import { deterministicId } from '../../../lambda/domain/ids';
import { takePayment } from '../../../lambda/domain/take-payment';
import { CrashError, crashOnce } from '../fakes/step-deps';
import { anOrder } from '../support/events';
import { reserved, shop } from '../support/flow';

describe('takePayment', () => {
  it('GIVEN an approved charge WHEN paid THEN the order is PAID with the payment recorded and PaymentSucceeded is published', async () => {
    const s = shop();
    const event = await reserved(s, anOrder());

    const result = await takePayment(event, s);

    expect(result).toEqual({ outcome: 'transitioned', published: PAYMENT_SUCCEEDED });
    const paymentId = deterministicId('pay', event.data.orderId);
    expect(await s.orders.get(event.data.orderId)).toMatchObject({
      status: 'PAID',
      payment: { status: 'CAPTURED', paymentId, amount: event.data.totalAmount, currency: 'EUR' },
    });
    const [published] = s.publisher.ofType(PAYMENT_SUCCEEDED);
    expect(PaymentSucceeded.detail.parse(published?.detail).data.paymentId).toBe(paymentId);
  });

  it('GIVEN a declined customer WHEN paid THEN the order is PAYMENT_FAILED and PaymentFailed carries the decline reason', async () => {
    const s = shop();
    const event = await reserved(s, anOrder({ customerId: 'declined-7' }));

    const result = await takePayment(event, s);

    expect(result).toEqual({ outcome: 'transitioned', published: PAYMENT_FAILED });
    expect(await s.orders.get(event.data.orderId)).toMatchObject({
      status: 'PAYMENT_FAILED',
      reason: 'PAYMENT_DECLINED',
      payment: { status: 'DECLINED', reason: 'card declined' },
    });
    const [published] = s.publisher.ofType(PAYMENT_FAILED);
    expect(PaymentFailed.detail.parse(published?.detail).data.reason).toBe('card declined');
  });

  it('GIVEN a paid order WHEN a StockReserved with a new event id arrives THEN it is ignored and the provider is not called (scenario 2)', async () => {
    const s = shop();
    const event = await reserved(s, anOrder());
    await takePayment(event, s);
    const paid = await s.orders.get(event.data.orderId);

    const repeat = await takePayment(
      { ...event, metadata: { ...event.metadata, eventId: crypto.randomUUID() } },
      s,
    );

    expect(repeat).toEqual({ outcome: 'ignored', reason: 'not-the-stored-event' });
    expect(await s.orders.get(event.data.orderId)).toEqual(paid);
    expect(s.payments.calls).toHaveLength(1);
    expect(s.publisher.ofType(PAYMENT_SUCCEEDED)).toHaveLength(1);
  });

  it('fails with the crash before publishing, and the redelivery publishes the stored PaymentSucceeded once', async () => {
    const s = shop();
    const event = await reserved(s, anOrder());

    await expect(takePayment(event, crashOnce(s, 'before-publish'))).rejects.toThrow(CrashError);
    expect(s.publisher.ofType(PAYMENT_SUCCEEDED)).toHaveLength(0);
    const redelivery = await takePayment(event, s);

    expect(redelivery).toEqual({ outcome: 'republished', published: PAYMENT_SUCCEEDED });
    expect(s.publisher.ofType(PAYMENT_SUCCEEDED)).toEqual([s.orders.storedEvent(event.data.orderId)]);
    expect((await s.orders.get(event.data.orderId))?.history.map((h) => h.status)).toEqual([
      'VALIDATED',
      'RESERVED',
      'PAID',
    ]);
  });

  it('GIVEN the republished PaymentSucceeded fulfilled the order WHEN StockReserved is redelivered again THEN nothing is published', async () => {
    const s = shop();
    const event = await reserved(s, anOrder());
    await expect(takePayment(event, crashOnce(s, 'after-write'))).rejects.toThrow(CrashError);
    await takePayment(event, s);
    const [paid] = s.publisher.ofType(PAYMENT_SUCCEEDED);
    await fulfilOrder(paid?.detail as PaymentSucceededDetail, s);
    const before = s.publisher.published.length;

    const late = await takePayment(event, s);

    expect(late).toEqual({ outcome: 'duplicate' });
    expect(s.publisher.published).toHaveLength(before);
    expect(s.publisher.ofType(PAYMENT_SUCCEEDED)).toHaveLength(1);
  });

  it('GIVEN no such order WHEN a StockReserved about it arrives THEN it is ignored and the provider is not called', async () => {
    const s = shop();
    const event = await reserved(s, anOrder());
    s.orders.items.clear();

    expect(await takePayment(event, s)).toEqual({ outcome: 'ignored', reason: 'unknown-order' });
    expect(s.payments.calls).toHaveLength(0);
    expect(s.publisher.ofType(PAYMENT_SUCCEEDED)).toHaveLength(0);
  });
});
