import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { DescribeArchiveCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stackOutput } from '@order-pipeline/local-cloud/deploy';
import { LOCAL_ACCOUNT_ID } from '@order-pipeline/local-cloud/emulator';
import type { InvocationReport } from '@order-pipeline/local-cloud/lambda-runner';
import { LOCAL_DIR, type LocalPipeline } from '@order-pipeline/local-cloud/local-pipeline';
import {
  type OrderToPlace,
  orderPlacedEvent,
  placeOrders,
} from '@order-pipeline/pipeline-client/order-producer';
import { stockKey } from '../../../../lambda/adapters/inventory-repository';
import { CLIENT_SOURCE, OrderPlaced } from '../../../../lambda/contracts';
import { buildEvent } from '../../../../lambda/domain/events';
import { placedEventIdFor } from '../../../../lambda/domain/ids';
import { acceptedOrderRecord, isFinalOrderStatus } from '../../../../lambda/domain/order';
import { PAYMENT_PROVIDER_CALLED } from '../../../../lambda/domain/payment-provider';
import { startLocalPipelineWithTimeout } from '../../../../test/integration/support/own-timeout';
import { eventually } from '../../../../test/integration/support/poll';
import { describedTarget } from '../../../../test/integration/support/target';
import { withMessage } from '../../../../test/support/with-message';
import type { DlqStatus } from '../../src/dlq';

/**
 * The ops CLI end to end, as an operator runs it (`npm run ops -- ... --stage test`, a child process
 * with AWS_ENDPOINT_URL), against the real app (stage test) deployed to a moto of its own by
 * startLocalPipeline, its functions run by the local Lambda runner:
 *
 * 1. the inventory table is taken away (a downstream outage): reserve-stock fails every OrderValidated,
 *    and after maxReceiveCount receives they sit in its DLQ; `dlq list` and `dlq peek` show them;
 * 2. the table is back (the fix): `dlq redrive` sends them back; each order is processed exactly once
 *    and the DLQ ends empty (moto has no SQS move tasks: the CLI re-sends, then deletes);
 * 3. an event EventBridge could not deliver (moto never fails a delivery, so the test puts one where
 *    EventBridge would) goes to the step's queue with `dlq redrive` of the rule-target DLQ;
 * 4. `replay` of the archive, every event of which was processed, changes no table;
 * 5. an order stored ACCEPTED whose event never reached the bus is listed by `accepted`, and
 *    `accepted --publish` puts its stored OrderPlaced on the bus, after which it is fulfilled.
 */

const PROJECT_ROOT = resolve(__dirname, '..', '..', '..', '..');
const TSX = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const STAGE = 'test';
/** Function timeout of this file's pipeline: see beforeAll. */
const REPLAY_FUNCTION_TIMEOUT_SECONDS = 15;
const runId = randomUUID().slice(0, 8);

/** Receives before a message is dead-lettered and the queue's visibility timeout (stage test: 3 x 6 + 1 s). */
const DEAD_LETTER_DEADLINE_MS = 6 * 19_000 + 60_000;

let pipeline: LocalPipeline;
let ddb: DynamoDBDocumentClient;
let dynamo: DynamoDBClient;
let sqs: SQSClient;
let events: EventBridgeClient;
const reports: InvocationReport[] = [];
/** Every charge request take-payment made of the (simulated) payment provider. */
const providerCalls: string[] = [];

beforeAll(async () => {
  // The suite's global setup synthesizes stage test once; reuse its assembly when it is there.
  const target = describedTarget();
  const shared = target.kind === 'local' && target.stage === STAGE ? target.assemblyDirectory : undefined;
  // The archive replay delivers every event at once, and each consumer works through batches of repeats:
  // on a busy machine that outlasts even stage local's 5 s. 15 s stays below the queues' visibility
  // (19 s; analytics, with its 10 s batching window, 28 s).
  pipeline = await startLocalPipelineWithTimeout(
    {
      stage: STAGE,
      synth: shared === undefined,
      assemblyDirectory: shared ?? join(LOCAL_DIR, 'ops-e2e', 'cdk.out'),
      runner: {
        onInvocation: (r) => reports.push(r),
        onLog: (name, line) => {
          if (name === 'take-payment' && line.includes(PAYMENT_PROVIDER_CALLED)) providerCalls.push(line);
        },
      },
    },
    REPLAY_FUNCTION_TIMEOUT_SECONDS,
  );
  dynamo = new DynamoDBClient(pipeline.emulator.clientConfig);
  ddb = DynamoDBDocumentClient.from(dynamo);
  sqs = new SQSClient(pipeline.emulator.clientConfig);
  events = new EventBridgeClient(pipeline.emulator.clientConfig);
}, 240_000);

afterAll(async () => {
  ddb?.destroy();
  dynamo?.destroy();
  sqs?.destroy();
  events?.destroy();
  await pipeline?.stop();
});

function output(key: string): string {
  return stackOutput(pipeline.deployment, key);
}

interface OpsRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run ops -- <args> --stage test`, pointed at the emulator the way an operator would. */
async function ops(...args: string[]): Promise<OpsRun> {
  const child = spawn(TSX, ['tools/ops/src/cli.ts', ...args, '--stage', STAGE], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...pipeline.emulator.childEnv() },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', done);
  });
  return { code, stdout, stderr };
}

async function depth(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const res = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(res.Attributes?.ApproximateNumberOfMessages),
    inFlight: Number(res.Attributes?.ApproximateNumberOfMessagesNotVisible),
  };
}

/** Every source queue and DLQ empty, nothing in flight: the pipeline is at rest. */
async function atRest(): Promise<boolean> {
  const urls = pipeline.deployment.stacks.flatMap((s) =>
    Object.entries(s.outputs)
      .filter(([k]) => k.endsWith('QueueUrl') || k.endsWith('DlqUrl'))
      .map(([, v]) => v),
  );
  const depths = await Promise.all(urls.map(depth));
  return depths.every((d) => d.visible === 0 && d.inFlight === 0);
}

async function getOrder(orderId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: output('OrdersTableName'), Key: { orderId } }));
  return Item;
}

async function finalOrder(orderId: string): Promise<Record<string, unknown>> {
  return eventually(
    `order ${orderId} to reach a final state`,
    async () => {
      const order = await getOrder(orderId);
      return order && isFinalOrderStatus(order.status) ? order : undefined;
    },
    90_000,
    250,
  );
}

async function seedStock(productId: string, available: number): Promise<void> {
  await ddb.send(
    new PutCommand({ TableName: output('InventoryTableName'), Item: { ...stockKey(productId), available } }),
  );
}

async function scanAll(table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await ddb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start);
  return items.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

async function dlqList(): Promise<DlqStatus[]> {
  const run = await ops('dlq', 'list', '--json');
  withMessage(run.stderr, () => expect(run.code).toBe(0));
  return JSON.parse(run.stdout) as DlqStatus[];
}

const order = (suffix: string, productId: string, quantity: number): OrderToPlace => ({
  orderId: `ops-${runId}-${suffix}`,
  customerId: `cus-private-${runId}-${suffix}`,
  currency: 'EUR',
  lines: [{ productId, quantity, unitPrice: 1_000 }],
});

describe('the ops CLI against the local pipeline (stage test)', () => {
  const healthyProduct = `sku-${runId}`;
  const product = `sku-after-outage-${runId}`;
  const poison = [order('p1', product, 2), order('p2', product, 3), order('p3', product, 1)];
  let inventoryTable: TableDescription;

  it('GIVEN two processed orders WHEN dlq list runs THEN it shows every DLQ of the stage, all empty', async () => {
    await seedStock(healthyProduct, 100);
    const healthy = [order('ok1', healthyProduct, 1), order('ok2', healthyProduct, 2)];
    await placeOrders(healthy, { eventBusName: output('EventBusName'), client: events });
    for (const o of healthy) expect((await finalOrder(o.orderId)).status).toBe('FULFILLED');

    const statuses = await dlqList();
    expect(statuses.map((s) => s.name).sort()).toEqual(
      ['analytics', 'fulfil-order', 'release-stock', 'reserve-stock', 'take-payment', 'validate-order']
        .flatMap((step) => [`${step}-dlq`, `${step}-target-dlq`])
        .sort(),
    );
    expect(statuses.filter((s) => s.messages + s.inFlight > 0)).toEqual([]);
  });

  it(
    'GIVEN the inventory table is gone WHEN orders are placed THEN reserve-stock dead-letters them and dlq list and peek show why, without removing them',
    async () => {
      // GIVEN a downstream outage: the table reserve-stock writes to is deleted
      const table = output('InventoryTableName');
      inventoryTable = (await dynamo.send(new DescribeTableCommand({ TableName: table }))).Table ?? {};
      await dynamo.send(new DeleteTableCommand({ TableName: table }));
      // WHEN three orders are placed
      await placeOrders(poison, { eventBusName: output('EventBusName'), client: events });
      // THEN after maxReceiveCount failed receives their OrderValidated events are in the reserve-stock DLQ
      await eventually(
        'three messages in the reserve-stock DLQ',
        async () => ((await depth(output('ReserveStockDlqUrl'))).visible === 3 ? true : undefined),
        DEAD_LETTER_DEADLINE_MS,
        1_000,
      );
      for (const o of poison) expect((await getOrder(o.orderId))?.status).toBe('VALIDATED');

      const listed = (await dlqList()).find((s) => s.name === 'reserve-stock-dlq');
      expect(listed).toMatchObject({ kind: 'source', messages: 3, inFlight: 0, ageSource: 'peek' });
      expect(listed?.oldestAgeMs).toBeGreaterThan(0);

      const peeked = await ops('dlq', 'peek', 'reserve-stock-dlq');
      withMessage(peeked.stderr, () => expect(peeked.code).toBe(0));
      expect(peeked.stdout).toMatch(
        /reserve-stock-dlq \(DLQ of the reserve-stock queue\): 3 messages, showing 3/,
      );
      for (const o of poison)
        expect(peeked.stdout).toMatch(new RegExp(`OrderValidated {2}order ${o.orderId} `));
      expect(peeked.stdout).toMatch(/reason: not on the message: the reserve-stock function logged it/);
      expect(peeked.stdout).not.toContain('cus-private');
      expect(await depth(output('ReserveStockDlqUrl'))).toEqual({ visible: 3, inFlight: 0 });

      const unknown = await ops('dlq', 'peek', 'reserve-stock');
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(
        /unknown queue "reserve-stock" in stage test\. Known dead-letter queues: analytics-dlq, /,
      );
    },
    DEAD_LETTER_DEADLINE_MS + 60_000,
  );

  it('GIVEN the table is back WHEN the DLQ is redriven THEN each order is processed exactly once and the DLQ ends empty', async () => {
    // GIVEN the fix: the table again, with stock for the orders
    await dynamo.send(
      new CreateTableCommand({
        TableName: inventoryTable.TableName,
        KeySchema: inventoryTable.KeySchema,
        AttributeDefinitions: inventoryTable.AttributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await seedStock(product, 50);

    // WHEN a dry run, then the redrive, runs
    const dry = await ops('dlq', 'redrive', 'reserve-stock-dlq', '--dry-run');
    withMessage(dry.stderr, () => expect(dry.code).toBe(0));
    expect(dry.stdout).toMatch(/Dry run: would redrive 3 messages from reserve-stock-dlq/);
    expect((await depth(output('ReserveStockDlqUrl'))).visible).toBe(3);

    const redriven = await ops('dlq', 'redrive', 'reserve-stock-dlq');
    withMessage(redriven.stderr, () => expect(redriven.code).toBe(0));
    expect(redriven.stderr).toMatch(/does not implement SQS move tasks: re-sending/);
    expect(redriven.stdout).toMatch(/found 3, redriven 3, failed 0, re-sent but not deleted 0/);

    // THEN every order completes, with one reservation (the one RESERVED entry of its history: that
    // transaction took the stock) and one decrement each
    for (const o of poison) {
      const done = await finalOrder(o.orderId);
      expect(done.status).toBe('FULFILLED');
      const statuses = (done.history as { status: string }[]).map((h) => h.status);
      expect(statuses).toEqual(['VALIDATED', 'RESERVED', 'PAID', 'FULFILLED']);
    }
    const { Item: stock } = await ddb.send(
      new GetCommand({ TableName: output('InventoryTableName'), Key: stockKey(product) }),
    );
    expect(stock?.available).toBe(50 - 2 - 3 - 1);
    await eventually('the pipeline at rest', async () => ((await atRest()) ? true : undefined), 60_000, 500);
    expect((await dlqList()).filter((s) => s.messages + s.inFlight > 0)).toEqual([]);
  }, 180_000);

  it('GIVEN an event EventBridge could not deliver WHEN its rule-target DLQ is redriven THEN it is re-sent to the step’s queue and processed', async () => {
    // GIVEN what EventBridge leaves in a target DLQ: the event as the target would have received it, and
    // the failure as message attributes
    const stuck = order('undelivered', product, 4);
    const event = orderPlacedEvent(stuck);
    const attr = (v: string) => ({ DataType: 'String', StringValue: v });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: output('ValidateOrderTargetDlqUrl'),
        MessageBody: JSON.stringify({
          version: '0',
          id: randomUUID(),
          'detail-type': event.detailType,
          source: CLIENT_SOURCE,
          account: LOCAL_ACCOUNT_ID,
          time: new Date().toISOString(),
          region: pipeline.emulator.region,
          resources: [],
          detail: event.detail,
        }),
        MessageAttributes: {
          ERROR_CODE: attr('SQS.AccessDenied'),
          ERROR_MESSAGE: attr('Access to the resource is denied'),
          RETRY_ATTEMPTS: attr('0'),
          EXHAUSTED_RETRY_CONDITION: attr('MaximumRetryAttempts'),
        },
      }),
    );

    // WHEN it is peeked, then redriven
    const peeked = await ops('dlq', 'peek', 'validate-order-target-dlq');
    expect(peeked.stdout).toMatch(
      /reason: EventBridge: SQS.AccessDenied \(Access to the resource is denied\)/,
    );
    expect(peeked.stdout).toContain(`order ${stuck.orderId} `);
    const redriven = await ops('dlq', 'redrive', 'validate-order-target-dlq');
    withMessage(redriven.stderr, () => expect(redriven.code).toBe(0));
    expect(redriven.stdout).toMatch(/re-send to the source queue, then delete/);

    // THEN the order goes through, and the target DLQ is empty
    expect((await finalOrder(stuck.orderId)).status).toBe('FULFILLED');
    expect(await depth(output('ValidateOrderTargetDlqUrl'))).toEqual({ visible: 0, inFlight: 0 });
  }, 120_000);

  it('GIVEN every archived event was processed WHEN the archive is replayed THEN every consumer treats it as a duplicate, no table changes and the payment provider is not called', async () => {
    // GIVEN the pipeline at rest, and what the tables hold
    await eventually('the pipeline at rest', async () => ((await atRest()) ? true : undefined), 60_000, 500);
    const tables = ['OrdersTableName', 'InventoryTableName', 'AnalyticsTableName'].map(output);
    const before = await Promise.all(tables.map(scanAll));
    const archive = await events.send(
      new DescribeArchiveCommand({ ArchiveName: output('EventArchiveName') }),
    );
    const archived = archive.EventCount ?? 0;
    expect(archived).toBeGreaterThan(0);
    const since = reports.length;
    const chargesBefore = providerCalls.length;
    expect(chargesBefore).toBeGreaterThan(0);

    // WHEN the archive is replayed
    const replay = await ops('replay', '--from', '-1h', '--to', 'now');
    withMessage(replay.stderr, () => expect(replay.code).toBe(0));
    expect(replay.stdout).toMatch(/state COMPLETED/);
    expect(replay.stderr).toMatch(/moto replays every archived event to every rule/);

    // THEN every replayed event was delivered and processed successfully (each reaches at least one consumer)...
    const processed = () => reports.slice(since).reduce((n, r) => n + r.deleted, 0);
    await eventually(
      `at least ${archived} replayed records processed`,
      async () => (processed() >= archived && (await atRest()) ? true : undefined),
      90_000,
      500,
    );
    expect(reports.slice(since).filter((r) => r.outcome.kind !== 'all-succeeded')).toEqual([]);
    // ... and changed nothing: no table, and no call to the payment provider
    expect(await Promise.all(tables.map(scanAll))).toEqual(before);
    expect(providerCalls.slice(chargesBefore)).toEqual([]);
    expect((await dlqList()).filter((s) => s.messages + s.inFlight > 0)).toEqual([]);
  }, 180_000);

  it('GIVEN the deployed stage WHEN preflight runs THEN its stacks and names check out, it says what an emulator cannot tell, and exits 0', async () => {
    const preflight = await ops('preflight');
    withMessage(`${preflight.stdout}\n${preflight.stderr}`, () => expect(preflight.code).toBe(0));
    expect(preflight.stdout).toMatch(
      new RegExp(`ok +stack OrderPipeline-${STAGE}-Pipeline +exists in state CREATE_COMPLETE`),
    );
    expect(preflight.stdout).toMatch(
      new RegExp(`ok +archive OrderPipeline-${STAGE} +held by OrderPipeline-${STAGE}-Pipeline`),
    );
    expect(preflight.stdout).toMatch(/skip +bootstrap +not checked on an emulator/);
    expect(preflight.stdout).toMatch(/skip +concurrency +not checked on an emulator/);
    expect(preflight.stdout).toMatch(/Nothing blocks a deploy \(2 checks not possible on this endpoint\)\./);
  }, 120_000);

  it('GIVEN the deployed stage WHEN the check order is placed with stock THEN the CLI follows it to FULFILLED and exits 0', async () => {
    const placed = await ops('order', '--stock', '1', '--product', `sku-check-${runId}`);
    withMessage(`${placed.stdout}\n${placed.stderr}`, () => expect(placed.code).toBe(0));
    expect(placed.stdout).toMatch(/went through every step \(VALIDATED -> RESERVED -> PAID -> FULFILLED\)/);
  }, 120_000);

  it('GIVEN an order stored ACCEPTED whose OrderPlaced never reached the bus WHEN `accepted --publish` runs THEN its stored event is put on the bus and the order is fulfilled (scenario 13, at the front door)', async () => {
    // GIVEN what place-order leaves when its publish failed and its client never retried
    const { orderId, customerId, currency, lines } = order('accepted', `sku-accepted-${runId}`, 1);
    await seedStock(`sku-accepted-${runId}`, 1);
    const summary = { orderId, customerId, currency, lines: [...lines], totalAmount: 1_000 };
    const at = new Date(Date.now() - 15 * 60_000);
    const event = buildEvent(OrderPlaced, summary, {
      orderId,
      eventId: placedEventIdFor(orderId),
      occurredAt: at,
    });
    await ddb.send(
      new PutCommand({
        TableName: output('OrdersTableName'),
        Item: acceptedOrderRecord({ ...summary, owner: `caller-${runId}`, at: at.toISOString(), event }),
      }),
    );

    // WHEN it is listed (which changes nothing), then published
    const listed = await ops('accepted');
    withMessage(`${listed.stdout}\n${listed.stderr}`, () => expect(listed.code).toBe(0));
    expect(listed.stdout).toContain(`  ${orderId}  accepted ${at.toISOString()}`);
    expect((await getOrder(orderId))?.status).toBe('ACCEPTED');
    const published = await ops('accepted', '--publish');
    withMessage(`${published.stdout}\n${published.stderr}`, () => expect(published.code).toBe(0));
    expect(published.stdout).toContain(`published OrderPlaced of ${orderId}`);

    // THEN the order goes through every step, and nothing is left ACCEPTED
    expect((await finalOrder(orderId)).status).toBe('FULFILLED');
    const after = await ops('accepted');
    expect(after.stdout).toBe('No order has been ACCEPTED for 10 minutes or more.\n');
  }, 120_000);
});
