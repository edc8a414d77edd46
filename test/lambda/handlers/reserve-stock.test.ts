import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { type OrderSummary, OrderValidated } from '../../../lambda/contracts';
import { handler } from '../../../lambda/handlers/reserve-stock';
import { dynamo, publishedEntries, transactionCancelled } from '../support/aws-mocks';
import { anOrder, detailOf, eventRecord, lambdaContext, sqsEvent } from '../support/events';
import { useHandlerHarness } from '../support/handler-harness';

// vi.hoisted runs before the imports above: the handler reads its configuration when it is imported.
await vi.hoisted(async () => (await import('../support/env')).stubHandlerEnv());

useHandlerHarness();

const validatedRecord = (order: OrderSummary, messageId?: string) =>
  eventRecord(OrderValidated, detailOf(OrderValidated, order), { messageId });

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

  it('GIVEN the order already reserved WHEN OrderValidated is redelivered THEN nothing is reserved or published again (scenarios 2, 4)', async () => {
    const order = anOrder();
    dynamo
      .on(TransactWriteCommand)
      .rejects(transactionCancelled('ConditionalCheckFailed', 'ConditionalCheckFailed'));
    dynamo.on(GetCommand).resolves({
      Item: {
        ...order,
        status: 'RESERVED',
        outbox: { StockReserved: { detail: {}, publishedAt: '2025-01-01T00:00:00Z' } },
      },
    });

    const response = await handler(sqsEvent(validatedRecord(order)), lambdaContext);

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
