import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import {
  type OrderSummary,
  OrderValidated,
  PaymentSucceeded,
  StockReserved,
} from '../../../lambda/contracts';
import { handler } from '../../../lambda/handlers/reserve-stock';
import { TRANSACTION_CONFLICT_TIME_RESERVE_MS } from '../../../lambda/shared/limits';
import { dynamo, publishedEntries, transactionCancelled } from '../support/aws-mocks';
import {
  anOrder,
  contextWithRemainingTime,
  detailOf,
  eventRecord,
  lambdaContext,
  sqsEvent,
  uuid,
} from '../support/events';
import { useHandlerHarness } from '../support/handler-harness';

const output = useHandlerHarness();

/** An OrderValidated record, with the order item it refers to stored as validate-order left it. */
function validatedRecord(order: OrderSummary, messageId?: string) {
  const validated = detailOf(OrderValidated, order);
  dynamo.on(GetCommand, { Key: { orderId: order.orderId } }).resolves({
    Item: orderItem(order, 'VALIDATED', [uuid(1)], { detailType: 'OrderValidated', detail: validated }),
  });
  return eventRecord(OrderValidated, validated, { messageId });
}

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
    expect(items.map((i) => i.Update?.Key)).toEqual([
      { orderId: order.orderId },
      { pk: 'PRODUCT#sku-apple', sk: 'STOCK' },
      { pk: 'PRODUCT#sku-pear', sk: 'STOCK' },
    ]);
    expect(items.map((i) => i.Update?.TableName)).toEqual([
      'orders-table',
      'inventory-table',
      'inventory-table',
    ]);
    expect(publishedEntries().map((e) => e.detailType)).toEqual(['StockReserved']);
  });

  it('GIVEN a short line WHEN handled THEN the order is cancelled with OutOfStock listing the line', async () => {
    const order = anOrder();
    dynamo.on(TransactWriteCommand).rejects(transactionCancelled('None', 'ConditionalCheckFailed', 'None'));
    const record = validatedRecord(order);
    dynamo.on(GetCommand, { Key: { pk: 'PRODUCT#sku-apple' } }).resolves({ Item: { available: 1 } });
    dynamo.on(GetCommand, { Key: { pk: 'PRODUCT#sku-pear' } }).resolves({ Item: { available: 5 } });

    const response = await handler(sqsEvent(record), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      ConditionExpression: '#status = :from AND #outbox.#detail.#metadata.#eventId = :cause',
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
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
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
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(publishedEntries()).toEqual([]);
  });

  it('GIVEN a transaction conflict WHEN the invocation has time THEN the reservation is written once more, applied and published', async () => {
    const order = anOrder();
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(transactionCancelled('None', 'TransactionConflict', 'None'))
      .resolves({});

    const response = await handler(sqsEvent(validatedRecord(order)), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
    expect(publishedEntries().map((e) => e.detailType)).toEqual(['StockReserved']);
    const retries = output.entries().filter((l) => l.message === 'transaction conflict: retrying');
    expect(retries).toEqual([expect.objectContaining({ orderId: order.orderId, attempt: 2 })]);
  });

  it('fails the record when its transaction collides with a concurrent one, so it is retried (scenario 4)', async () => {
    const [colliding, other] = [anOrder(), anOrder()];
    dynamo.on(TransactWriteCommand).callsFake((input) => {
      if (input.TransactItems[0].Update.Key.orderId === colliding.orderId) {
        throw transactionCancelled('None', 'TransactionConflict', 'None');
      }
      return {};
    });

    // An invocation with time for a few short retries only.
    const response = await handler(
      sqsEvent(validatedRecord(colliding, 'm-collide'), validatedRecord(other)),
      contextWithRemainingTime(TRANSACTION_CONFLICT_TIME_RESERVE_MS + 300),
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-collide' }] });
    expect(publishedEntries().map((e) => e.detail.data.orderId)).toEqual([other.orderId]);
    const attempts = dynamo
      .commandCalls(TransactWriteCommand)
      .filter((c) => c.args[0].input.TransactItems?.[0]?.Update?.Key?.orderId === colliding.orderId);
    expect(attempts.length).toBeGreaterThan(1);
    expect(output.entries().filter((l) => l.message === 'transaction conflict: giving up')).toHaveLength(1);
  });
});
