import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoInventoryRepository } from '../../../lambda/adapters/inventory-repository';
import { transitionUpdate } from '../../../lambda/adapters/orders-repository';
import { StockReserved } from '../../../lambda/contracts';
import { MalformedStockError } from '../../../lambda/domain/errors';
import { buildEvent } from '../../../lambda/domain/events';
import type { Transition } from '../../../lambda/domain/order';
import { anOrder } from '../support/events';
import { AMPLE_MS, SPENT_MS, scriptedBudget } from '../support/time-budget';

const dynamo = mockClient(DynamoDBDocumentClient);
const repository = () =>
  new DynamoInventoryRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), {
    inventoryTable: 'inventory-table',
    ordersTable: 'orders-table',
  });

function cancelled(...codes: string[]) {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

const transition: Transition = {
  orderId: 'order-1',
  from: 'VALIDATED',
  to: 'RESERVED',
  at: '2025-03-14T10:00:00.000Z',
  causationId: 'cause-1',
  event: buildEvent(StockReserved, anOrder({ orderId: 'order-1' }), {
    orderId: 'order-1',
    eventId: crypto.randomUUID(),
    occurredAt: new Date(),
  }),
  order: anOrder({ orderId: 'order-1' }),
};
const lines = [
  { productId: 'sku-a', quantity: 2 },
  { productId: 'sku-b', quantity: 1 },
];

beforeEach(() => {
  dynamo.reset();
});

const stockUpdate = (line: { productId: string; quantity: number }, expression: string) => ({
  TableName: 'inventory-table',
  Key: { pk: `PRODUCT#${line.productId}`, sk: 'STOCK' },
  UpdateExpression: expression,
  ExpressionAttributeNames: { '#available': 'available' },
  ExpressionAttributeValues: { ':quantity': line.quantity },
});

describe('DynamoInventoryRepository.reserve', () => {
  it('GIVEN lines WHEN reserved THEN one transaction holds exactly the order transition and a decrement of each product with a floor of zero', async () => {
    dynamo.on(TransactWriteCommand).resolves({});

    expect(await repository().reserve(transition, lines)).toBe('applied');

    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems;
    expect(items).toEqual([
      { Update: transitionUpdate('orders-table', transition) },
      ...lines.map((line) => ({
        Update: {
          ...stockUpdate(line, 'SET #available = #available - :quantity'),
          ConditionExpression: '#available >= :quantity',
        },
      })),
    ]);
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('GIVEN a refused condition (order moved on, or a line short) WHEN reserved THEN it reports condition-failed', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'ConditionalCheckFailed'));
    expect(await repository().reserve(transition, lines)).toBe('condition-failed');
  });

  it.each([
    ['a conflicting concurrent transaction', ['None', 'TransactionConflict', 'None']],
    ['throttling inside the transaction', ['ConditionalCheckFailed', 'ThrottlingError', 'None']],
  ])('fails with the cancellation for %s, so the record is retried (scenarios 4, 18)', async (_, codes) => {
    dynamo.on(TransactWriteCommand).rejects(cancelled(...codes));
    await expect(repository().reserve(transition, lines)).rejects.toThrow(TransactionCanceledException);
  });
});

describe('DynamoInventoryRepository.release', () => {
  const release = { ...transition, from: 'PAYMENT_FAILED', to: 'CANCELLED' } as const;

  it('GIVEN the reserved lines WHEN released THEN one transaction holds exactly the order transition, its only condition, and each product given back', async () => {
    dynamo.on(TransactWriteCommand).resolves({});

    expect(await repository().release(release, lines)).toBe('applied');

    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems;
    expect(items).toEqual([
      { Update: transitionUpdate('orders-table', release) },
      ...lines.map((line) => ({ Update: stockUpdate(line, 'ADD #available :quantity') })),
    ]);
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('GIVEN the order moved on (a repeat, a replay, a concurrent delivery) WHEN released THEN it reports condition-failed and nothing is given back', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));
    expect(await repository().release(release, lines)).toBe('condition-failed');
  });
});

describe('DynamoInventoryRepository reads', () => {
  it('GIVEN products, one unknown WHEN availability is read THEN known ones are listed and the unknown is absent', async () => {
    dynamo
      .on(GetCommand, { Key: { pk: 'PRODUCT#sku-a', sk: 'STOCK' } })
      .resolves({ Item: { available: 3 } })
      .on(GetCommand, { Key: { pk: 'PRODUCT#sku-b', sk: 'STOCK' } })
      .resolves({});

    const available = await repository().getAvailable(['sku-a', 'sku-b']);

    expect(Object.fromEntries(available)).toEqual({ 'sku-a': 3 });
    expect(dynamo.commandCalls(GetCommand).every((c) => c.args[0].input.ConsistentRead)).toBe(true);
  });

  it('fails with MalformedStockError for a stock item whose units are not a number, rather than calling the product short', async () => {
    dynamo.on(GetCommand).resolves({ Item: { available: '10' } });

    await expect(repository().getAvailable(['sku-a'])).rejects.toThrow(MalformedStockError);
  });
});

describe('DynamoInventoryRepository in an invocation with time left (transaction conflicts)', () => {
  const withBudget = (...remaining: number[]) =>
    new DynamoInventoryRepository(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      { inventoryTable: 'inventory-table', ordersTable: 'orders-table' },
      scriptedBudget(...remaining),
    );

  it('GIVEN a transaction conflict, then success WHEN reserved THEN the transaction is written once more and applied', async () => {
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('None', 'TransactionConflict', 'None'))
      .resolves({});

    expect(await withBudget(AMPLE_MS).reserve(transition, lines)).toBe('applied');

    const calls = dynamo.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input).toEqual(calls[0]?.args[0].input);
  });

  it('fails with the conflict once the time budget is spent, so the record is retried (scenario 4)', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled('TransactionConflict', 'None', 'None'));

    await expect(
      withBudget(AMPLE_MS, SPENT_MS).release(
        { ...transition, from: 'PAYMENT_FAILED', to: 'CANCELLED' },
        lines,
      ),
    ).rejects.toThrow(TransactionCanceledException);

    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('GIVEN a refused condition WHEN reserved THEN it is never retried and reports condition-failed', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'ConditionalCheckFailed'));

    expect(await withBudget(AMPLE_MS).reserve(transition, lines)).toBe('condition-failed');

    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });
});
