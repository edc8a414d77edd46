import { randomUUID } from 'node:crypto';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  diffRequestCounts,
  type Emulator,
  type EmulatorRequestCounts,
  startEmulator,
} from '../../src/emulator';
import { eventually } from '../../src/poll';
import { applyMotoShims } from '../../src/shims';
import { errorText } from '../../src/stack-operations';
import { MINI_ASSET, MINI_BUCKET, miniTemplate } from './support/mini-app';

/**
 * The moto behaviour the local run relies on, and the limitations its shims work around. If a moto
 * upgrade changes any of it, this file says which assumption broke.
 */

let emulator: Emulator;
let cfn: CloudFormationClient;
let sqs: SQSClient;
let events: EventBridgeClient;
let ddb: DynamoDBClient;

/** Creates a stack from a mini template; returns its outputs, or throws the emulator's reason. */
async function createStack(name: string, template: object): Promise<Record<string, string>> {
  try {
    await cfn.send(new CreateStackCommand({ StackName: name, TemplateBody: JSON.stringify(template) }));
  } catch (err) {
    throw new Error(errorText(err));
  }
  const res = await cfn.send(new DescribeStacksCommand({ StackName: name }));
  const stack = res.Stacks?.[0];
  expect(stack?.StackStatus).toBe('CREATE_COMPLETE');
  return Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

/** A mini template without functions (no code bucket needed), shimmed for moto. */
function routingTemplate(stackName: string): object {
  const t = miniTemplate([{ name: 'Orders', visibilitySeconds: 1, maxReceiveCount: 2 }], `${stackName}-bus`);
  for (const id of ['OrdersFunction', 'OrdersMapping', 'Role']) delete t.Resources?.[id];
  return applyMotoShims(t, { stackName }).template;
}

beforeAll(async () => {
  emulator = await startEmulator();
  cfn = new CloudFormationClient({ ...emulator.clientConfig, maxAttempts: 1 });
  sqs = new SQSClient(emulator.clientConfig);
  events = new EventBridgeClient(emulator.clientConfig);
  ddb = new DynamoDBClient(emulator.clientConfig);
});

afterAll(async () => {
  for (const c of [cfn, sqs, events, ddb]) c?.destroy();
  await emulator?.stop();
});

describe('moto CloudFormation', () => {
  it('fails CreateStack on a Ref to an event bus (why the event-bus-ref-to-name shim exists)', async () => {
    // GIVEN a template whose rule names its bus with a Ref, unshimmed
    const t = miniTemplate([{ name: 'Orders' }], 'RefToBus-bus');
    for (const id of ['OrdersFunction', 'OrdersMapping', 'Role']) delete t.Resources?.[id];
    // WHEN moto creates it
    // THEN it fails (a 500 with a Python AttributeError)
    await expect(createStack('RefToBus', t)).rejects.toThrow(/500|split/);
  });

  it('creates the same template once shimmed, with the bus name in the outputs', async () => {
    const outputs = await createStack('Shimmed', routingTemplate('Shimmed'));
    expect(outputs.BusName).toBe('Shimmed-bus');
  });
});

describe('moto Lambda', () => {
  it('consumes the queue of an enabled SQS mapping without running it (why mappings are disabled)', async () => {
    // GIVEN a function whose code is in S3 and an SQS mapping left enabled
    const s3 = new S3Client(emulator.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: MINI_BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: MINI_BUCKET, Key: `${MINI_ASSET}.zip`, Body: 'not run' }));
    s3.destroy();
    const shimmed = applyMotoShims(miniTemplate([{ name: 'Orders', visibilitySeconds: 30 }], 'Enabled-bus'), {
      stackName: 'Enabled',
    }).template;
    const mapping = shimmed.Resources?.OrdersMapping?.Properties;
    if (mapping) mapping.Enabled = true;
    const outputs = await createStack('Enabled', shimmed);
    // WHEN a message arrives
    await sqs.send(new SendMessageCommand({ QueueUrl: outputs.OrdersQueueUrl, MessageBody: 'hello' }));
    // THEN moto has already received it once (its invoke needs Docker and fails), so the first
    // consumer to see it gets receive count 2: every arrival would burn one of maxReceiveCount
    const res = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: outputs.OrdersQueueUrl,
        WaitTimeSeconds: 2,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(Number(res.Messages?.[0]?.Attributes?.ApproximateReceiveCount)).toBeGreaterThan(1);
  });
});

describe('moto EventBridge to SQS', () => {
  let queueUrl: string;
  let dlqUrl: string;

  beforeAll(async () => {
    const outputs = await createStack('Routing', {
      ...routingTemplate('Routing'),
    });
    queueUrl = outputs.OrdersQueueUrl ?? '';
    dlqUrl = outputs.OrdersDlqUrl ?? '';
  });

  async function put(detailType: string, id: string): Promise<void> {
    const res = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'Routing-bus',
            Source: 'local.mini',
            DetailType: detailType,
            Detail: JSON.stringify({ id }),
          },
        ],
      }),
    );
    expect(res.FailedEntryCount).toBe(0);
  }

  it('delivers a matching event as the full EventBridge envelope, account included', async () => {
    // GIVEN a rule routing detail type Orders to the queue
    const id = randomUUID();
    // WHEN a matching and a non-matching event are put on the bus
    await put('Other', `${id}-other`);
    await put('Orders', id);
    // THEN only the matching one arrives, with every envelope field AWS sends
    const res = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 2, MaxNumberOfMessages: 10 }),
    );
    const bodies = (res.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}'));
    for (const m of res.Messages ?? []) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({
      version: '0',
      account: '123456789012',
      region: 'us-east-1',
      source: 'local.mini',
      'detail-type': 'Orders',
      resources: [],
      detail: { id },
    });
    expect(bodies[0].time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('counts receives and moves a message to the DLQ after maxReceiveCount', async () => {
    // GIVEN a message on a queue with maxReceiveCount 2 and a 1 s visibility timeout
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'poison' }));
    // WHEN it is received and never deleted, until it is gone
    const counts: string[] = [];
    await eventually(
      'the message to leave the queue',
      async () => {
        const res = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
          }),
        );
        const m = res.Messages?.find((x) => x.Body === 'poison');
        if (m) counts.push(m.Attributes?.ApproximateReceiveCount ?? '?');
        return counts.length >= 2 && !m ? true : undefined;
      },
      20_000,
      1_100,
    );
    // THEN it was received twice, counted, and now sits in the DLQ with its body
    expect(counts).toEqual(['1', '2']);
    const dead = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
    );
    expect(dead.Messages?.map((m) => m.Body)).toEqual(['poison']);
  });

  it('fails StartMessageMoveTask, which moto does not implement (why the suite redrives by re-sending)', async () => {
    // GIVEN the DLQ of a queue
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    // WHEN a DLQ redrive is started the way the SQS console and CLI start one
    const err = await sqs
      .send(new StartMessageMoveTaskCommand({ SourceArn: Attributes?.QueueArn }))
      .catch((e: unknown) => e);
    // THEN moto answers 500 (a Python NotImplementedError), not a task handle
    expect((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(500);
  });
});

describe('moto DynamoDB', () => {
  let table: string;

  beforeAll(async () => {
    const outputs = await createStack('Tables', routingTemplate('Tables'));
    table = outputs.TableName ?? '';
  });

  it('enforces condition expressions', async () => {
    const item = { pk: { S: randomUUID() } };
    await ddb.send(
      new PutItemCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    await expect(
      ddb.send(
        new PutItemCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('cancels a transaction whose condition fails, with a reason per item, and writes nothing', async () => {
    // GIVEN stock of 1 and a transaction taking 2 units and writing a reservation
    const pk = randomUUID();
    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, available: { N: '1' } } }));
    // WHEN it runs
    const tx = ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: { pk: { S: pk } },
              UpdateExpression: 'SET available = available - :q',
              ConditionExpression: 'available >= :q',
              ExpressionAttributeValues: { ':q': { N: '2' } },
            },
          },
          { Put: { TableName: table, Item: { pk: { S: `${pk}-reservation` } } } },
        ],
      }),
    );
    // THEN it is cancelled with the failing item named, as DynamoDB does
    const err = await tx.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransactionCanceledException);
    expect((err as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
      'ConditionalCheckFailed',
      'None',
    ]);
  });
});

describe('moto_server.py usage accounting', () => {
  const CALLER = 'test-caller';
  const OTHER_CALLER = 'other-caller';
  let other: DynamoDBClient;
  let table: string;
  let queueUrl: string;
  let counted: { ddb: DynamoDBClient; sqs: SQSClient; events: EventBridgeClient };

  beforeAll(async () => {
    table = `Usage-${randomUUID()}`;
    await ddb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    queueUrl =
      (await sqs.send(new CreateQueueCommand({ QueueName: `usage-${randomUUID()}` }))).QueueUrl ?? '';
    // One attempt per call: a retry would be a second request, and the counts would depend on timing.
    const config = { ...emulator.clientConfig, userAgentAppId: CALLER, maxAttempts: 1 };
    other = new DynamoDBClient({ ...config, userAgentAppId: OTHER_CALLER });
    counted = {
      ddb: new DynamoDBClient(config),
      sqs: new SQSClient(config),
      events: new EventBridgeClient(config),
    };
  });

  afterAll(() => {
    for (const c of Object.values(counted ?? {})) c.destroy();
    other?.destroy();
  });

  async function snapshot(): Promise<EmulatorRequestCounts> {
    const counts = await emulator.requestCounts();
    if (!counts) throw new Error('the emulator counts no requests: is moto run by moto_server.py?');
    return counts;
  }

  /** What `action` cost the counted clients: requests as `Service.Operation` -> [count, errors], units per table. */
  async function usageOf(action: () => Promise<unknown>) {
    const before = await snapshot();
    await action();
    const delta = diffRequestCounts(before, await snapshot());
    return {
      requests: Object.fromEntries(
        delta.requests
          .filter((r) => r.caller === CALLER)
          .map((r) => [`${r.service}.${r.operation}`, [r.count, r.errors]]),
      ),
      dynamodb: delta.dynamodb.filter((t) => t.caller === CALLER),
      others: delta.requests.filter((r) => r.caller === OTHER_CALLER),
    };
  }

  /** An item of exactly `bytes` by DynamoDB's size rules: names and string values in UTF-8 bytes. */
  function itemOfSize(pk: string, sk: string, bytes: number): Record<string, AttributeValue> {
    const keys = 'pk'.length + pk.length + 'sk'.length + sk.length + 'data'.length;
    return { pk: { S: pk }, sk: { S: sk }, data: { S: 'x'.repeat(bytes - keys) } };
  }

  it('counts each request by caller (the app id of its user agent), service and operation', async () => {
    // GIVEN clients with userAgentAppId test-caller, and one of another caller
    const pk = randomUUID();
    // WHEN they call SQS, DynamoDB and EventBridge
    const usage = await usageOf(async () => {
      await counted.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'a' }));
      await counted.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'b' }));
      const { Messages = [] } = await counted.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
      );
      expect(Messages.length).toBeGreaterThan(0);
      await counted.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      await counted.ddb.send(
        new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, sk: { S: 'a' } } }),
      );
      for (const n of ['1', '2']) {
        await counted.ddb.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { pk: { S: pk }, sk: { S: 'a' } },
            UpdateExpression: 'ADD n :n',
            ExpressionAttributeValues: { ':n': { N: n } },
          }),
        );
      }
      await counted.ddb.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: 'a' } } }),
      );
      await counted.events.send(
        new PutEventsCommand({ Entries: [{ Source: 'local.usage', DetailType: 'Counted', Detail: '{}' }] }),
      );
      await other.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: 'a' } } }));
    });
    // THEN each call of test-caller is counted once under its operation, none as an error
    expect(usage.requests).toEqual({
      'SQS.SendMessage': [2, 0],
      'SQS.ReceiveMessage': [1, 0],
      'SQS.DeleteMessageBatch': [1, 0],
      'DynamoDB.PutItem': [1, 0],
      'DynamoDB.UpdateItem': [2, 0],
      'DynamoDB.GetItem': [1, 0],
      'EventBridge.PutEvents': [1, 0],
    });
    // AND the call of another caller is counted under its own app id
    expect(usage.others).toEqual([
      { caller: OTHER_CALLER, service: 'DynamoDB', operation: 'GetItem', count: 1, errors: 0 },
    ]);
  });

  it('fails a conditional write: counted as an error, billed the size of the stored item', async () => {
    // GIVEN a stored item of 1500 bytes
    const item = itemOfSize(randomUUID(), 'a', 1500);
    await ddb.send(new PutItemCommand({ TableName: table, Item: item }));
    // WHEN test-caller puts it again on condition that it does not exist
    const usage = await usageOf(() =>
      expect(
        counted.ddb.send(
          new PutItemCommand({
            TableName: table,
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      ).rejects.toBeInstanceOf(ConditionalCheckFailedException),
    );
    // THEN the request is an error, and consumed ceil(1500 / 1 KB) = 2 WRU as on DynamoDB
    expect(usage.requests).toEqual({ 'DynamoDB.PutItem': [1, 1] });
    expect(usage.dynamodb).toEqual([{ caller: CALLER, table, writeUnits: 2, readUnits: 0 }]);
  });

  it('bills a 3 KB put 3 WRU, a consistent get of it 1 RRU and an eventually consistent one 0.5', async () => {
    // GIVEN an item of exactly 3 KB
    const item = itemOfSize(randomUUID(), 'a', 3 * 1024);
    const key = { pk: item.pk as AttributeValue, sk: item.sk as AttributeValue };
    const units = async (action: () => Promise<unknown>) =>
      (await usageOf(action)).dynamodb.map(({ writeUnits, readUnits }) => ({ writeUnits, readUnits }));
    // WHEN it is put, then read strongly and eventually consistently
    // THEN each costs what DynamoDB on-demand bills
    expect(await units(() => counted.ddb.send(new PutItemCommand({ TableName: table, Item: item })))).toEqual(
      [{ writeUnits: 3, readUnits: 0 }],
    );
    expect(
      await units(() =>
        counted.ddb.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true })),
      ),
    ).toEqual([{ writeUnits: 0, readUnits: 1 }]);
    expect(await units(() => counted.ddb.send(new GetItemCommand({ TableName: table, Key: key })))).toEqual([
      { writeUnits: 0, readUnits: 0.5 },
    ]);
  });

  it('bills a query the items it evaluates, those its filter drops included', async () => {
    // GIVEN 3 items of 2000 bytes in one partition (6000 bytes: two 4 KB read units)
    const pk = randomUUID();
    for (const sk of ['a', 'b', 'c']) {
      await ddb.send(new PutItemCommand({ TableName: table, Item: itemOfSize(pk, sk, 2000) }));
    }
    // WHEN test-caller queries the partition with a filter no item passes, eventually consistent
    let count: number | undefined;
    const usage = await usageOf(async () => {
      const res = await counted.ddb.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: 'sk = :none',
          ExpressionAttributeValues: { ':pk': { S: pk }, ':none': { S: 'none' } },
        }),
      );
      count = res.Count;
    });
    // THEN it returns nothing, and is billed the 6000 bytes it read: 2 RRU halved
    expect(count).toBe(0);
    expect(usage.dynamodb).toEqual([{ caller: CALLER, table, writeUnits: 0, readUnits: 1 }]);
  });

  it('bills a transaction twice per item, whether it commits or is cancelled', async () => {
    // GIVEN a stored item of 5000 bytes (2 read units) to check, and a put of 1500 bytes (2 write units)
    const checked = itemOfSize(randomUUID(), 'a', 5000);
    await ddb.send(new PutItemCommand({ TableName: table, Item: checked }));
    const transaction = (condition: string) =>
      counted.ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: table, Item: itemOfSize(randomUUID(), 'a', 1500) } },
            {
              ConditionCheck: {
                TableName: table,
                Key: { pk: checked.pk as AttributeValue, sk: checked.sk as AttributeValue },
                ConditionExpression: condition,
              },
            },
          ],
        }),
      );
    // WHEN one transaction commits and one is cancelled by its condition check
    const committed = await usageOf(() => transaction('attribute_exists(pk)'));
    const cancelled = await usageOf(() =>
      expect(transaction('attribute_not_exists(pk)')).rejects.toBeInstanceOf(TransactionCanceledException),
    );
    // THEN each consumed 2 x 2 WRU for the put and 2 x 2 RRU for the check; the cancelled one is an error
    for (const usage of [committed, cancelled]) {
      expect(usage.dynamodb).toEqual([{ caller: CALLER, table, writeUnits: 4, readUnits: 4 }]);
    }
    expect(committed.requests).toEqual({ 'DynamoDB.TransactWriteItems': [1, 0] });
    expect(cancelled.requests).toEqual({ 'DynamoDB.TransactWriteItems': [1, 1] });
  });
});

describe('moto SQS under concurrent sends and deletes', () => {
  it('loses no message sent while others are deleted (moto_server.py locks the delete)', async () => {
    // GIVEN a queue with a long backlog: each delete rebuilds the whole message list, long enough for
    // the server to switch threads in the middle (Python's switch interval is 5 ms)
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `race-${randomUUID()}` }));
    const BACKLOG = 10_000;
    const LATE = 400;
    const inParallel = async <T>(items: T[], width: number, each: (item: T) => Promise<unknown>) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: width }, async () => {
          for (let item = items[next++]; item !== undefined; item = items[next++]) await each(item);
        }),
      );
    };
    const chunks = Array.from({ length: BACKLOG / 10 }, (_, c) =>
      Array.from({ length: 10 }, (_, i) => `b-${c * 10 + i}`),
    );
    await inParallel(chunks, 8, (chunk) =>
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: chunk.map((body, i) => ({ Id: String(i), MessageBody: body })),
        }),
      ),
    );
    // WHEN more messages arrive one by one while consumers receive and delete, as EventBridge and the
    // Lambda pollers do
    const late = Array.from({ length: LATE }, (_, i) => `late-${i}`);
    let sending = true;
    // Distinct ids: SQS may hand one message to two receivers (at least once), and deleting it twice
    // succeeds twice.
    const deleted = new Set<string>();
    const consumer = async () => {
      while (sending) {
        const res = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }),
        );
        const messages = res.Messages ?? [];
        if (messages.length === 0) continue;
        const del = await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
        for (const ok of del.Successful ?? []) deleted.add(messages[Number(ok.Id)]?.MessageId ?? '');
      }
    };
    const consumers = Array.from({ length: 4 }, consumer);
    await inParallel(late, 8, (body) => sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body })));
    sending = false;
    await Promise.all(consumers);
    // THEN the queue holds every message sent that was not deleted (visible or in flight)
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const held =
      Number(Attributes?.ApproximateNumberOfMessages) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
    expect(deleted.size).toBeGreaterThan(0);
    expect(held).toBe(BACKLOG + LATE - deleted.size);
  }, 300_000);
});
