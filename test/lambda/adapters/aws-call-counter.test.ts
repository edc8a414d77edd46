import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import {
  AWS_CALLS_GLOBAL_KEY,
  AwsCallCounter,
  addCallCounts,
  callCountsSince,
  operationOf,
  processAwsCallCounter,
} from '../../../lambda/adapters/aws-call-counter';

/** An HTTP handler that answers each attempt with the next status of `statuses` and a JSON body. */
function scriptedHandler(statuses: number[], body: unknown) {
  let attempt = 0;
  return {
    handle: async () => {
      const statusCode = statuses[Math.min(attempt++, statuses.length - 1)] ?? 200;
      const payload =
        statusCode === 200 ? body : { __type: 'InternalServerError', message: 'scripted failure' };
      return {
        response: {
          statusCode,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: Readable.from([Buffer.from(JSON.stringify(payload))]),
        },
      };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
}

const clientConfig = {
  region: 'eu-west-1',
  endpoint: 'http://127.0.0.1:1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  retryMode: 'standard',
  maxAttempts: 3,
  // No wait between attempts: the test is about counting, not backing off.
  retryStrategy: undefined,
} as const;

describe('AwsCallCounter', () => {
  it('GIVEN a call retried twice WHEN it succeeds on the third attempt THEN it counts three requests', async () => {
    const counter = new AwsCallCounter();
    const client = counter.attach(
      new EventBridgeClient({
        ...clientConfig,
        requestHandler: scriptedHandler([500, 500, 200], {
          FailedEntryCount: 0,
          Entries: [{ EventId: '1' }],
        }),
      }),
    );

    await client.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] }));

    expect(counter.snapshot()).toEqual({ 'EventBridge.PutEvents': 3 });
  }, 20_000);

  it('GIVEN a document client over a counted DynamoDB client WHEN it updates THEN the wire operation UpdateItem is counted', async () => {
    const counter = new AwsCallCounter();
    const ddb = counter.attach(
      new DynamoDBClient({ ...clientConfig, requestHandler: scriptedHandler([200], {}) }),
    );
    const doc = DynamoDBDocumentClient.from(ddb);

    await doc.send(
      new UpdateCommand({
        TableName: 't',
        Key: { id: 'a' },
        UpdateExpression: 'SET x = :x',
        ExpressionAttributeValues: { ':x': 1 },
      }),
    );

    expect(counter.snapshot()).toEqual({ 'DynamoDB.UpdateItem': 1 });
  });

  it('GIVEN counted calls WHEN take() is called THEN it returns them and starts again from zero', async () => {
    const counter = new AwsCallCounter();
    const sqs = counter.attach(
      new SQSClient({
        ...clientConfig,
        requestHandler: scriptedHandler([200], { Successful: [], Failed: [] }),
      }),
    );

    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: 'http://127.0.0.1:1/q',
        Entries: [{ Id: '0', ReceiptHandle: 'r' }],
      }),
    );
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: 'http://127.0.0.1:1/q',
        Entries: [{ Id: '0', ReceiptHandle: 'r' }],
      }),
    );

    expect(counter.take()).toEqual({ 'SQS.DeleteMessageBatch': 2 });
    expect(counter.snapshot()).toEqual({});
  });

  it('GIVEN the process counter WHEN asked twice THEN it is one instance under the global registry key', () => {
    const counter = processAwsCallCounter();

    expect(processAwsCallCounter()).toBe(counter);
    expect((globalThis as unknown as Record<symbol, unknown>)[AWS_CALLS_GLOBAL_KEY]).toBe(counter);
  });
});

describe('operationOf', () => {
  it('GIVEN a JSON-protocol request THEN the service comes from the X-Amz-Target prefix', () => {
    expect(operationOf({ headers: { 'X-Amz-Target': 'DynamoDB_20120810.TransactWriteItems' } })).toBe(
      'DynamoDB.TransactWriteItems',
    );
    expect(operationOf({ headers: { 'x-amz-target': 'AmazonSQS.ReceiveMessage' } })).toBe(
      'SQS.ReceiveMessage',
    );
  });

  it('GIVEN a query-protocol request THEN the operation is its Action and the service the client', () => {
    expect(operationOf({ body: 'Action=SendMessage&Version=2012-11-05' }, { clientName: 'SQSClient' })).toBe(
      'SQS.SendMessage',
    );
  });

  it('GIVEN neither THEN it falls back to the client and command names', () => {
    expect(operationOf({}, { clientName: 'S3Client', commandName: 'PutObjectCommand' })).toBe('S3.PutObject');
  });
});

describe('addCallCounts', () => {
  it('GIVEN two count maps THEN it sums them by operation', () => {
    expect(
      addCallCounts({ 'SQS.ReceiveMessage': 2 }, { 'SQS.ReceiveMessage': 1, 'DynamoDB.GetItem': 4 }),
    ).toEqual({
      'SQS.ReceiveMessage': 3,
      'DynamoDB.GetItem': 4,
    });
  });
});

describe('callCountsSince', () => {
  it('GIVEN two snapshots of one counter THEN only what changed between them, by operation', () => {
    expect(
      callCountsSince(
        { 'SQS.ReceiveMessage': 5, 'DynamoDB.GetItem': 2 },
        { 'SQS.ReceiveMessage': 3, 'DynamoDB.GetItem': 2 },
      ),
    ).toEqual({ 'SQS.ReceiveMessage': 2 });
  });
});
