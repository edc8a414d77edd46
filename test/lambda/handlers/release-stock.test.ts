import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { PaymentFailed } from '../../../lambda/contracts';
import { handler } from '../../../lambda/handlers/release-stock';
import { dynamo, publishedEntries, throttled } from '../support/aws-mocks';
import { anOrder, detailOf, eventRecord, lambdaContext, sqsEvent, uuid } from '../support/events';
import { useHandlerHarness } from '../support/handler-harness';

useHandlerHarness();

const failedRecord = (orderId: string, messageId?: string) =>
  eventRecord(PaymentFailed, detailOf(PaymentFailed, { ...anOrder({ orderId }), reason: 'card declined' }), {
    messageId,
  });

describe('release-stock handler', () => {
  it('GIVEN an order awaiting compensation WHEN PaymentFailed is handled THEN one transaction gives its lines back, moves the order and OrderCancelled is published, with no other read', async () => {
    const failed = detailOf(PaymentFailed, { ...anOrder({ orderId: 'order-r' }), reason: 'card declined' });
    dynamo.on(GetCommand, { Key: { orderId: 'order-r' } }).resolves({
      Item: {
        ...anOrder({ orderId: 'order-r' }),
        status: 'PAYMENT_FAILED',
        history: [{ status: 'PAYMENT_FAILED', at: '2025-03-14T10:00:00.000Z', eventId: uuid(3) }],
        version: 3,
        outbox: { detailType: 'PaymentFailed', detail: failed },
      },
    });

    const response = await handler(sqsEvent(eventRecord(PaymentFailed, failed)), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((i) => [i.Update?.Key, i.Update?.ExpressionAttributeValues?.[':quantity']])).toEqual([
      [{ orderId: 'order-r' }, undefined],
      [{ pk: 'PRODUCT#sku-apple', sk: 'STOCK' }, 2],
      [{ pk: 'PRODUCT#sku-pear', sk: 'STOCK' }, 1],
    ]);
    expect(dynamo.commandCalls(GetCommand).map((c) => c.args[0].input.Key)).toEqual([{ orderId: 'order-r' }]);
    expect(publishedEntries().map((e) => [e.detailType, e.detail.data.reason])).toEqual([
      ['OrderCancelled', 'PAYMENT_DECLINED'],
    ]);
  });

  it('fails every record when the inventory table is throttled beyond the SDK retries, acknowledging none (scenario 18)', async () => {
    dynamo.on(GetCommand).rejects(throttled());

    const records = sqsEvent(failedRecord('order-a', 'm-a'), failedRecord('order-b', 'm-b'));

    expect(await handler(records, lambdaContext)).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm-a' }, { itemIdentifier: 'm-b' }],
    });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
