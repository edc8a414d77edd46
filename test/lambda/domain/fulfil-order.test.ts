import { describe, expect, it } from '@jest/globals';
import {
  ORDER_FULFILLED,
  ORDER_VALIDATED,
  OrderFulfilled,
  type OrderValidatedDetail,
  type PaymentSucceededDetail,
} from '../../../lambda/contracts';
import { fulfilOrder } from '../../../lambda/domain/fulfil-order';
import { deterministicId } from '../../../lambda/domain/ids';
import { reserveStock } from '../../../lambda/domain/reserve-stock';
import { CrashError, crashOnce } from '../fakes/step-deps';
import { anOrder } from '../support/events';
import { charged, shop } from '../support/flow';

describe('fulfilOrder', () => {
  it('GIVEN a paid order WHEN fulfilled THEN it ends FULFILLED with one fulfilment id and OrderFulfilled is published', async () => {
    const s = shop();
    const paid = (await charged(s, anOrder())) as PaymentSucceededDetail;

    const result = await fulfilOrder(paid, s);

    expect(result).toEqual({ outcome: 'transitioned', published: ORDER_FULFILLED });
    const fulfilmentId = deterministicId('ful', paid.data.orderId);
    expect(await s.orders.get(paid.data.orderId)).toMatchObject({ status: 'FULFILLED', fulfilmentId });
    const [published] = s.publisher.ofType(ORDER_FULFILLED);
    expect(OrderFulfilled.detail.parse(published?.detail).data).toMatchObject({
      fulfilmentId,
      lines: paid.data.lines,
    });
    expect(published?.detail.metadata.causationId).toBe(paid.metadata.eventId);
  });

  it('GIVEN a fulfilled order WHEN a PaymentSucceeded with a new event id arrives THEN it is ignored: nothing changes and nothing is published (scenario 2)', async () => {
    const s = shop();
    const paid = (await charged(s, anOrder())) as PaymentSucceededDetail;
    await fulfilOrder(paid, s);
    const writes = s.orders.appliedWrites.length;

    const repeat = await fulfilOrder(
      { ...paid, metadata: { ...paid.metadata, eventId: crypto.randomUUID() } },
      s,
    );

    expect(repeat).toEqual({ outcome: 'ignored', reason: 'not-the-stored-event' });
    expect(s.orders.appliedWrites).toHaveLength(writes);
    expect(s.publisher.ofType(ORDER_FULFILLED)).toHaveLength(1);
  });

  it('fails with the crash after the write, and the redelivery publishes the stored OrderFulfilled once (scenario 10)', async () => {
    const s = shop();
    const paid = (await charged(s, anOrder())) as PaymentSucceededDetail;

    await expect(fulfilOrder(paid, crashOnce(s, 'after-write'))).rejects.toThrow(CrashError);
    const redelivery = await fulfilOrder(paid, s);

    expect(redelivery).toEqual({ outcome: 'republished', published: ORDER_FULFILLED });
    expect(s.orders.appliedWrites.filter((w) => w.includes('PAID->FULFILLED'))).toHaveLength(1);
    expect(s.publisher.ofType(ORDER_FULFILLED)).toEqual([s.orders.storedEvent(paid.data.orderId)]);
  });

  it('GIVEN a fulfilled order WHEN an OrderValidated of its past is redelivered THEN nothing is reserved or published', async () => {
    const s = shop();
    const paid = (await charged(s, anOrder())) as PaymentSucceededDetail;
    await fulfilOrder(paid, s);
    const [validated] = s.publisher.ofType(ORDER_VALIDATED);
    const published = s.publisher.published.length;

    const late = await reserveStock(validated?.detail as OrderValidatedDetail, s);

    expect(late).toEqual({ outcome: 'duplicate' });
    expect(s.publisher.published).toHaveLength(published);
    expect(Object.fromEntries(s.inventory.stock)).toEqual({ 'sku-apple': 8, 'sku-pear': 9 });
  });

  it('fails when the table is unavailable, and fulfils normally once it is back (scenario 8)', async () => {
    const s = shop();
    const paid = (await charged(s, anOrder())) as PaymentSucceededDetail;
    s.orders.outage = new Error('ResourceNotFoundException');

    await expect(fulfilOrder(paid, s)).rejects.toThrow('ResourceNotFoundException');
    s.orders.outage = undefined;

    expect((await fulfilOrder(paid, s)).outcome).toBe('transitioned');
  });
});
