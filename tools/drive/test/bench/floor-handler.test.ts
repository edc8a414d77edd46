import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../src/bench/floor/handler';

const dynamo = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);
const env = { ...process.env };

const record = (messageId: string, body: string) => ({ messageId, body }) as SQSEvent['Records'][number];
const event = (detailType: string, detail: unknown) =>
  JSON.stringify({ version: '0', id: 'e-1', 'detail-type': detailType, source: 'orders.api', detail });

describe('the floor handler', () => {
  beforeEach(() => {
    process.env.ORDERS_TABLE = 'orders';
    process.env.EVENT_BUS_NAME = 'bus';
    dynamo.reset();
    eventBridge.reset();
    dynamo.on(UpdateCommand).resolves({});
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
  });

  afterAll(() => {
    process.env = env;
  });

  it('GIVEN an OrderPlaced event WHEN handled THEN the order moves on and the next fact names the order', async () => {
    const result = await handler({
      Records: [record('m-1', event('OrderPlaced', { data: { orderId: 'o-1' } }))],
    });

    expect(result.batchItemFailures).toEqual([]);
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'orders',
      Key: { orderId: 'o-1' },
      ExpressionAttributeValues: { ':status': 'VALIDATED' },
    });
    const entries = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries;
    expect(entries).toEqual([
      expect.objectContaining({ DetailType: 'OrderValidated', Detail: '{"data":{"orderId":"o-1"}}' }),
    ]);
  });

  it('fails only the records that are not events, or name no order, and writes nothing for them', async () => {
    const result = await handler({
      Records: [
        record('m-1', event('OrderPlaced', { data: { orderId: 'o-1' } })),
        record('m-2', '{not json'),
        record('m-3', JSON.stringify({ 'detail-type': 'OrderPlaced', detail: { data: { orderId: 'o-2' } } })),
        record('m-4', event('OrderPlaced', { data: {} })),
      ],
    });

    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: 'm-2' },
      { itemIdentifier: 'm-3' },
      { itemIdentifier: 'm-4' },
    ]);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(1);
  });
});
