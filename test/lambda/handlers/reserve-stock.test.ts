import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import {
  type OrderSummary,
  OrderValidated,
  PaymentSucceeded,
  StockReserved,
} from '../../../lambda/contracts';
import { handler } from '../../../lambda/handlers/reserve-stock';
import { dynamo, publishedEntries, transactionCancelled } from '../support/aws-mocks';
import { anOrder, detailOf, eventRecord, lambdaContext, sqsEvent, uuid } from '../support/events';
import { useHandlerHarness } from '../support/handler-harness';

useHandlerHarness();

const validatedRecord = (order: OrderSummary, messageId?: string) =>
  eventRecord(OrderValidated, detailOf(OrderValidated, order), { messageId });

const PATH = ['VALIDATED', 'RESERVED', 'PAID'] as const;

/** The order item as GetItem returns it: at `status`, reached through transitions caused by `causes`. */
function orderItem(order: OrderSummary, status: string, causes: string[], outbox: object) {
  const history = causes.map((eventId, i) => ({ status: PATH[i], at: '2025-03-14T10:00:00.000Z', eventId }));
  return { ...order, status, history, version: causes.length, outbox };
}

describe('reserve-stock handler', () => {
  it('GIVEN stock WHEN an OrderValidated is handled THEN one transaction across both tables reserves it and StockReserved is published', async () => {
    const order = anOrder();

    const response = await handler(sqsEvent(validatedRecord(order)), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((i) => (i.Update ?? i.Put)?.TableName)).toEqual([
      'orders-table',
      'inventory-table',
      'inventory-table',
      'inventory-table',
    ]);
    expect(publishedEntries().map((e) => e.detailType)).toEqual(['StockReserved']);
  });

  it('GIVEN a short line WHEN handled THEN the order is cancelled with OutOfStock listing the line', async () => {
    const order = anOrder();
    dynamo
      .on(TransactWriteCommand)
      .rejects(transactionCancelled('None', 'None', 'ConditionalCheckFailed', 'None'));
    dynamo
      .on(GetCommand, { Key: { orderId: order.orderId } })
      .resolves({ Item: { ...order, status: 'VALIDATED' } });
    dynamo.on(GetCommand, { Key: { pk: 'PRODUCT#sku-apple' } }).resolves({ Item: { available: 1 } });
    dynamo.on(GetCommand, { Key: { pk: 'PRODUCT#sku-pear' } }).resolves({ Item: { available: 5 } });

    const response = await handler(sqsEvent(validatedRecord(order)), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      ConditionExpression: '#status = :from',
      ExpressionAttributeValues: { ':from': 'VALIDATED', ':to': 'CANCELLED', ':reason': 'OUT_OF_STOCK' },
    });
    expect(publishedEntries().map((e) => [e.detailType, e.detail.data.unavailable])).toEqual([
      ['OutOfStock', [{ productId: 'sku-apple', requested: 2, available: 1 }]],
    ]);
  });

  it('GIVEN the order reserved by this event WHEN OrderValidated is redelivered THEN nothing is reserved again and the stored StockReserved is published (scenarios 3, 10)', async () => {
    const order = anOrder();
    const validated = detailOf(OrderValidated, order);
    const stockReserved = detailOf(StockReserved, order, { causationId: validated.metadata.eventId });
    dynamo
      .on(TransactWriteCommand)
      .rejects(transactionCancelled('ConditionalCheckFailed', 'ConditionalCheckFailed'));
    dynamo.on(GetCommand).resolves({
      Item: orderItem(order, 'RESERVED', [uuid(1), validated.metadata.eventId], {
        detailType: 'StockReserved',
        detail: stockReserved,
      }),
    });

    const response = await handler(sqsEvent(eventRecord(OrderValidated, validated)), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(publishedEntries()).toEqual([{ detailType: 'StockReserved', detail: stockReserved }]);
  });

  it('GIVEN the order moved on to PAID WHEN the OrderValidated that reserved it is redelivered THEN nothing is reserved or published again (scenarios 2, 3)', async () => {
    const order = anOrder();
    const validated = detailOf(OrderValidated, order);
    dynamo
      .on(TransactWriteCommand)
      .rejects(transactionCancelled('ConditionalCheckFailed', 'ConditionalCheckFailed'));
    dynamo.on(GetCommand).resolves({
      Item: orderItem(order, 'PAID', [uuid(1), validated.metadata.eventId, uuid(3)], {
        detailType: 'PaymentSucceeded',
        detail: detailOf(PaymentSucceeded, { ...order, paymentId: 'pay-1' }),
      }),
    });

    const response = await handler(sqsEvent(eventRecord(OrderValidated, validated)), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(publishedEntries()).toEqual([]);
  });

  it('fails the record when its transaction collides with a concurrent one, so it is retried (scenario 4)', async () => {
    const [colliding, other] = [anOrder(), anOrder()];
    dynamo.on(TransactWriteCommand).callsFake((input) => {
      if (input.TransactItems[0].Update.Key.orderId === colliding.orderId) {
        throw transactionCancelled('None', 'TransactionConflict', 'None', 'None');
      }
      return {};
    });

    const response = await handler(
      sqsEvent(validatedRecord(colliding, 'm-collide'), validatedRecord(other)),
      lambdaContext,
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-collide' }] });
    expect(publishedEntries().map((e) => e.detail.data.orderId)).toEqual([other.orderId]);
  });
});
