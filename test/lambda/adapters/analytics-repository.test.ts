import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { analyticsKey, DynamoAnalyticsRepository } from '../../../lambda/adapters/analytics-repository';
import type { AnalyticsWrite } from '../../../lambda/domain/ports';
import { FixedClock } from '../fakes/step-deps';
import { AMPLE_MS, SPENT_MS, scriptedBudget } from '../support/time-budget';

const dynamo = mockClient(DynamoDBDocumentClient);
const repository = () =>
  new DynamoAnalyticsRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), {
    tableName: 'analytics-table',
    seenMarkerTtlDays: 30,
    clock: new FixedClock(new Date('2025-03-14T00:00:00Z')),
  });

const write: AnalyticsWrite = {
  markers: [
    { idempotencyKey: 'order-1:OrderPlaced', eventId: 'e1', detailType: 'OrderPlaced' },
    { idempotencyKey: 'order-2:OrderPlaced', eventId: 'e2', detailType: 'OrderPlaced' },
  ],
  counters: [{ key: { kind: 'day-totals', day: '2025-03-14', shard: 3 }, add: { count_OrderPlaced: 2 } }],
};

function cancelled(...codes: string[]) {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

beforeEach(() => {
  dynamo.reset();
});

describe('analyticsKey', () => {
  it('GIVEN each kind of aggregate WHEN keyed THEN the keys follow the design', () => {
    expect(analyticsKey({ kind: 'day-totals', day: '2025-03-14', shard: 3 })).toEqual({
      pk: 'DAY#2025-03-14#3',
      sk: 'TOTALS',
    });
    expect(analyticsKey({ kind: 'product-day', productId: 'sku-a', day: '2025-03-14', shard: 0 })).toEqual({
      pk: 'PRODUCT#sku-a#0',
      sk: 'DAY#2025-03-14',
    });
  });
});

describe('DynamoAnalyticsRepository', () => {
  it('GIVEN markers and counters WHEN applied THEN one transaction puts new markers with a TTL and adds the counters', async () => {
    dynamo.on(TransactWriteCommand).resolves({});

    expect(await repository().apply(write)).toEqual({ status: 'applied' });

    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems;
    expect(items?.[0]).toEqual({
      Put: {
        TableName: 'analytics-table',
        Item: {
          pk: 'EVENT#order-1:OrderPlaced',
          sk: 'SEEN',
          eventId: 'e1',
          detailType: 'OrderPlaced',
          seenAt: '2025-03-14T00:00:00.000Z',
          ttl: Date.parse('2025-04-13T00:00:00Z') / 1000,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    expect(items?.[2]).toEqual({
      Update: {
        TableName: 'analytics-table',
        Key: { pk: 'DAY#2025-03-14#3', sk: 'TOTALS' },
        UpdateExpression: 'ADD #a0 :v0',
        ExpressionAttributeNames: { '#a0': 'count_OrderPlaced' },
        ExpressionAttributeValues: { ':v0': 2 },
      },
    });
  });

  it('GIVEN a marker that exists WHEN applied THEN it reports already-seen, naming the fact by its position among the markers', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None'));
    expect(await repository().apply(write)).toEqual({
      status: 'already-seen',
      seen: ['order-2:OrderPlaced'],
    });
  });

  it('GIVEN several markers that exist WHEN applied THEN it names each of them', async () => {
    dynamo
      .on(TransactWriteCommand)
      .rejects(cancelled('ConditionalCheckFailed', 'ConditionalCheckFailed', 'None'));
    expect(await repository().apply(write)).toEqual({
      status: 'already-seen',
      seen: ['order-1:OrderPlaced', 'order-2:OrderPlaced'],
    });
  });

  it('GIVEN a conflicting concurrent write WHEN applied THEN it reports conflict', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'TransactionConflict'));
    expect(await repository().apply(write)).toEqual({ status: 'conflict' });
  });

  it.each([
    ['a throttled transaction', cancelled('None', 'None', 'ThrottlingError')],
    [
      'an unavailable table',
      Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }),
    ],
  ])('fails with the error for %s (scenarios 8, 18)', async (_, error) => {
    dynamo.on(TransactWriteCommand).rejects(error);
    await expect(repository().apply(write)).rejects.toThrow(error);
  });
});

describe('DynamoAnalyticsRepository in an invocation with time left (transaction conflicts)', () => {
  const withBudget = (...remaining: number[]) =>
    new DynamoAnalyticsRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), {
      tableName: 'analytics-table',
      seenMarkerTtlDays: 30,
      clock: new FixedClock(new Date('2025-03-14T00:00:00Z')),
      conflicts: scriptedBudget(...remaining),
    });

  it('GIVEN a transaction conflict, then success WHEN applied THEN the write goes in once more and is applied', async () => {
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('None', 'None', 'TransactionConflict'))
      .resolves({});

    expect(await withBudget(AMPLE_MS).apply(write)).toEqual({ status: 'applied' });

    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('GIVEN conflicts that persist WHEN the time budget is spent THEN it reports conflict', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'TransactionConflict'));

    expect(await withBudget(AMPLE_MS, AMPLE_MS, SPENT_MS).apply(write)).toEqual({ status: 'conflict' });

    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(3);
  });

  it('GIVEN a marker that exists WHEN applied THEN it is never retried and reports already-seen', async () => {
    dynamo
      .on(TransactWriteCommand)
      .rejects(cancelled('ConditionalCheckFailed', 'None', 'TransactionConflict'));

    expect(await withBudget(AMPLE_MS).apply(write)).toEqual({
      status: 'already-seen',
      seen: ['order-1:OrderPlaced'],
    });

    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });
});
