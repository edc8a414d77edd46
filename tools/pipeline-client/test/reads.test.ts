import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { ANALYTICS_SHARDS } from '../../../lambda/shared/limits';
import { PipelineClientError } from '../src/errors';
import { PipelineReads } from '../src/reads';

const ddbMock = mockClient(DynamoDBDocumentClient);
const TABLES = { ordersTable: 'orders', inventoryTable: 'inventory', analyticsTable: 'analytics' };

function reader() {
  const sleeps: number[] = [];
  const reads = new PipelineReads(DynamoDBDocumentClient.from(new DynamoDBClient({})), TABLES, {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { reads, sleeps };
}

beforeEach(() => {
  ddbMock.reset();
  // An item that is not there: what DynamoDB answers for any key a test does not set up.
  ddbMock.on(GetCommand).resolves({});
});

describe('PipelineReads single items', () => {
  it('GIVEN an order WHEN read THEN the whole item comes from the orders table, read consistently', async () => {
    const item = {
      orderId: 'o-1',
      status: 'FULFILLED',
      history: [],
      outbox: { detailType: 'OrderFulfilled' },
    };
    ddbMock.on(GetCommand, { TableName: 'orders', Key: { orderId: 'o-1' } }).resolves({ Item: item });

    expect(await reader().reads.order('o-1')).toEqual(item);
    expect(await reader().reads.order('o-2')).toBeUndefined();
    expect(ddbMock.commandCalls(GetCommand).every((c) => c.args[0].input.ConsistentRead === true)).toBe(true);
  });

  it('GIVEN stock items WHEN read THEN each product gives its available units, or undefined without a number', async () => {
    ddbMock
      .on(GetCommand, { TableName: 'inventory', Key: { pk: 'PRODUCT#sku-a', sk: 'STOCK' } })
      .resolves({ Item: { pk: 'PRODUCT#sku-a', sk: 'STOCK', available: 7 } })
      .on(GetCommand, { TableName: 'inventory', Key: { pk: 'PRODUCT#sku-b', sk: 'STOCK' } })
      .resolves({ Item: { pk: 'PRODUCT#sku-b', sk: 'STOCK', available: 'seven' } });

    const stocks = await reader().reads.stocks(['sku-a', 'sku-b', 'sku-c']);

    expect([...stocks]).toEqual([
      ['sku-a', 7],
      ['sku-b', undefined],
      ['sku-c', undefined],
    ]);
  });

  it('GIVEN a seen-marker WHEN read THEN it is found under the adapter’s key', async () => {
    ddbMock
      .on(GetCommand, { TableName: 'analytics', Key: { pk: 'EVENT#o-1:OrderFulfilled', sk: 'SEEN' } })
      .resolves({ Item: { pk: 'EVENT#o-1:OrderFulfilled', sk: 'SEEN' } });
    const { reads } = reader();

    expect(await reads.analyticsSaw('o-1:OrderFulfilled')).toBe(true);
    expect(await reads.analyticsSaw('o-2:OrderFulfilled')).toBe(false);
  });

  it('GIVEN units on every shard of two days WHEN summed THEN each day is read once per shard', async () => {
    ddbMock
      .on(GetCommand)
      .callsFake((input: { Key: { pk: string; sk: string } }) =>
        input.Key.pk.startsWith('PRODUCT#sku-a#') ? { Item: { ...input.Key, units: 2 } } : {},
      );

    const units = await reader().reads.fulfilledUnits('sku-a', ['2026-11-26', '2026-11-27', '2026-11-26']);

    expect(units).toBe(2 * 2 * ANALYTICS_SHARDS);
    expect(ddbMock.commandCalls(GetCommand).map((c) => c.args[0].input.Key)).toContainEqual({
      pk: `PRODUCT#sku-a#${ANALYTICS_SHARDS - 1}`,
      sk: 'DAY#2026-11-27',
    });
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(2 * ANALYTICS_SHARDS);
  });
});

describe('PipelineReads.orderStatuses', () => {
  it('GIVEN 150 orders WHEN read THEN 100 keys a consistent, projected BatchGetItem, by order id', async () => {
    ddbMock
      .on(BatchGetCommand)
      .callsFake((input: { RequestItems: { orders: { Keys: { orderId: string }[] } } }) => ({
        Responses: {
          orders: input.RequestItems.orders.Keys.filter((k) => k.orderId !== 'o-7').map((k) => ({
            orderId: k.orderId,
            status: 'CANCELLED',
            reason: 'OUT_OF_STOCK',
            history: [{ status: 'VALIDATED', at: '2026-11-26T10:00:01.000Z' }],
          })),
        },
      }));
    const ids = Array.from({ length: 150 }, (_, i) => `o-${i}`);

    const statuses = await reader().reads.orderStatuses(ids);

    const calls = ddbMock.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems?.orders);
    expect(calls.map((c) => c?.Keys?.length)).toEqual([100, 50]);
    expect(calls[0]).toMatchObject({
      ConsistentRead: true,
      ProjectionExpression: '#id, #status, #reason, #history',
    });
    expect(statuses.size).toBe(149);
    expect(statuses.has('o-7')).toBe(false);
    expect(statuses.get('o-0')).toEqual({
      status: 'CANCELLED',
      reason: 'OUT_OF_STOCK',
      history: [{ status: 'VALIDATED', at: '2026-11-26T10:00:01.000Z' }],
    });
  });

  it('GIVEN an unprocessed key WHEN read THEN it is asked again after a backoff', async () => {
    ddbMock
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { orders: [{ orderId: 'o-1', status: 'FULFILLED' }] },
        UnprocessedKeys: { orders: { Keys: [{ orderId: 'o-2' }] } },
      })
      .resolvesOnce({ Responses: { orders: [{ orderId: 'o-2', status: 'REJECTED', reason: 'currency' }] } });
    const { reads, sleeps } = reader();

    const statuses = await reads.orderStatuses(['o-1', 'o-2']);

    expect(ddbMock.commandCalls(BatchGetCommand)[1]?.args[0].input.RequestItems?.orders?.Keys).toEqual([
      { orderId: 'o-2' },
    ]);
    expect(sleeps).toEqual([50]);
    expect(statuses.get('o-1')).toEqual({ status: 'FULFILLED', reason: undefined, history: [] });
    expect(statuses.get('o-2')).toEqual({ status: 'REJECTED', reason: 'currency', history: [] });
  });

  it('fails when keys stay unprocessed, after backing off 7 attempts', async () => {
    ddbMock.on(BatchGetCommand).resolves({ UnprocessedKeys: { orders: { Keys: [{ orderId: 'o-1' }] } } });
    const { reads, sleeps } = reader();

    await expect(reads.orderStatuses(['o-1'])).rejects.toThrow(
      new PipelineClientError(
        'BatchGetItem on orders left 1 key(s) unread after 7 attempts: the table is throttled; try again later.',
      ),
    );
    expect(ddbMock.commandCalls(BatchGetCommand)).toHaveLength(7);
    expect(sleeps).toEqual([50, 100, 200, 400, 800, 1600]);
  });
});

describe('PipelineReads.analyticsAggregates', () => {
  it('GIVEN two pages WHEN scanned THEN both are returned, with the seen-markers filtered out', async () => {
    ddbMock
      .on(ScanCommand)
      .resolvesOnce({
        Items: [{ pk: 'DAY#2026-11-26#0', sk: 'TOTALS' }],
        LastEvaluatedKey: { pk: 'x', sk: 'y' },
      })
      .resolvesOnce({ Items: [{ pk: 'PRODUCT#sku-a#1', sk: 'DAY#2026-11-26' }] });

    const items = await reader().reads.analyticsAggregates();

    expect(items.map((i) => i.pk)).toEqual(['DAY#2026-11-26#0', 'PRODUCT#sku-a#1']);
    const scans = ddbMock.commandCalls(ScanCommand).map((c) => c.args[0].input);
    expect(scans[1]?.ExclusiveStartKey).toEqual({ pk: 'x', sk: 'y' });
    expect(scans[0]).toMatchObject({
      TableName: 'analytics',
      ConsistentRead: true,
      FilterExpression: 'begins_with(pk, :day) OR begins_with(pk, :product)',
    });
  });
});
