import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { OrderPlaced, type OrderSummary, StockReserved } from '../../../lambda/contracts';
import { uuidFromParts } from '../../../lambda/domain/ids';
import { PAYMENT_PROVIDER_CALLED } from '../../../lambda/domain/payment-provider';
import { handler } from '../../../lambda/handlers/take-payment';
import { dynamo, publishedEntries } from '../support/aws-mocks';
import { anOrder, detailOf, eventRecord, lambdaContext, sqsEvent, uuid } from '../support/events';
import { useHandlerHarness } from '../support/handler-harness';

const output = useHandlerHarness();

const AT = '2025-03-14T10:00:00.000Z';

/** The order item at `status` with the StockReserved `reserved` in its slot (as reserve-stock left it). */
function storedOrder(order: OrderSummary, reserved: object, status = 'RESERVED', extra: object = {}) {
  return {
    ...order,
    status,
    history: [
      { status: 'VALIDATED', at: AT, eventId: uuid(1) },
      { status: 'RESERVED', at: AT, eventId: uuid(2) },
    ],
    version: 2,
    outbox: { detailType: 'StockReserved', detail: reserved },
    ...extra,
  };
}

/** A StockReserved record, with its order stored RESERVED by it. */
function reservedRecord(order: OrderSummary, messageId?: string) {
  const reserved = detailOf(StockReserved, order);
  dynamo.on(GetCommand, { Key: { orderId: order.orderId } }).resolves({ Item: storedOrder(order, reserved) });
  return eventRecord(StockReserved, reserved, { messageId });
}

const providerCalls = () => output.entries().filter((e) => e.message === PAYMENT_PROVIDER_CALLED);

describe('take-payment handler', () => {
  it('GIVEN PAYMENT_DECLINE_RULES WHEN a batch is charged THEN approved orders are PAID and declined ones PAYMENT_FAILED', async () => {
    const approved = anOrder();
    const declined = anOrder({ customerId: 'declined-99' });

    const response = await handler(
      sqsEvent(reservedRecord(approved), reservedRecord(declined)),
      lambdaContext,
    );

    expect(response).toEqual({ batchItemFailures: [] });
    const published = Object.fromEntries(publishedEntries().map((e) => [e.detail.data.orderId, e]));
    expect(published[approved.orderId]?.detailType).toBe('PaymentSucceeded');
    expect(published[declined.orderId]).toMatchObject({
      detailType: 'PaymentFailed',
      detail: { data: { reason: 'card declined' } },
    });
    const targets = dynamo
      .commandCalls(UpdateCommand)
      .flatMap((c) => c.args[0].input.ExpressionAttributeValues?.[':to'] ?? []);
    expect(targets.sort()).toEqual(['PAID', 'PAYMENT_FAILED']);
    expect(providerCalls()).toHaveLength(2);
  });

  it('GIVEN a reserved order WHEN charged THEN one write follows the call, whose key derives from the stored StockReserved', async () => {
    const order = anOrder();
    const record = reservedRecord(order);
    const reserved = JSON.parse(record.body).detail;

    await handler(sqsEvent(record), lambdaContext);

    const writes = dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(writes.map((w) => w.ExpressionAttributeValues?.[':to'])).toEqual(['PAID']);
    expect(providerCalls()).toEqual([
      expect.objectContaining({
        orderId: order.orderId,
        idempotencyKey: uuidFromParts('payment', order.orderId, reserved.metadata.eventId),
        chargeStatus: 'captured',
      }),
    ]);
  });

  it('GIVEN an attempt recorded before keys were derived WHEN redelivered THEN the provider is called with the recorded key', async () => {
    const order = anOrder();
    const reserved = detailOf(StockReserved, order);
    const attempt = { attemptId: uuid(42), at: AT };
    dynamo
      .on(GetCommand)
      .resolves({ Item: storedOrder(order, reserved, 'RESERVED', { paymentAttempt: attempt }) });

    await handler(sqsEvent(eventRecord(StockReserved, reserved)), lambdaContext);

    const writes = dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input.ExpressionAttributeValues);
    expect(writes.map((values) => values?.[':to'])).toEqual(['PAID']);
    expect(providerCalls().map((e) => e.idempotencyKey)).toEqual([uuid(42)]);
  });

  it.each(['PAID', 'FULFILLED', 'CANCELLED'])(
    'GIVEN an order already %s WHEN its StockReserved is replayed or redriven THEN the provider is never called',
    async (status) => {
      const order = anOrder();
      const reserved = detailOf(StockReserved, order);
      dynamo.on(GetCommand).resolves({ Item: storedOrder(order, reserved, status) });

      const response = await handler(sqsEvent(eventRecord(StockReserved, reserved)), lambdaContext);

      expect(response).toEqual({ batchItemFailures: [] });
      expect(providerCalls()).toEqual([]);
      expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    },
  );

  it('fails a record carrying the event of another step, without touching the order (scenario 7)', async () => {
    const response = await handler(
      sqsEvent(
        eventRecord(OrderPlaced, detailOf(OrderPlaced, anOrder()), { messageId: 'm-wrong' }),
        reservedRecord(anOrder()),
      ),
      lambdaContext,
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-wrong' }] });
    expect(output.entries().find((e) => e.messageId === 'm-wrong')).toMatchObject({
      issues: [{ path: 'detail-type', code: 'unknown_detail_type' }],
    });
  });
});
