import { randomUUID } from 'node:crypto';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorText } from '../../local/deploy';
import { type Emulator, startEmulator } from '../../local/emulator';
import { applyMotoShims } from '../../local/shims';
import { MINI_ASSET, MINI_BUCKET, miniTemplate } from './support/mini-app';
import { eventually } from './support/poll';

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
