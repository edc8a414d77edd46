import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stackOutput } from '@order-pipeline/local-cloud/deploy';
import type { InvocationReport } from '@order-pipeline/local-cloud/lambda-runner';
import type { LocalPipeline } from '@order-pipeline/local-cloud/local-pipeline';
import { principalCredentials } from '@order-pipeline/local-cloud/principals';
import {
  type OrderToPlace,
  orderPlacedEvent,
  placeOrders,
} from '@order-pipeline/pipeline-client/order-producer';
import { PipelineReads } from '@order-pipeline/pipeline-client/reads';
import { stockKey } from '../../lambda/adapters/inventory-repository';
import {
  CLIENT_SOURCE,
  type OrderSummary,
  PaymentSucceeded,
  PRODUCERS,
  StockReserved,
} from '../../lambda/contracts';
import { buildEvent, type OutgoingEvent } from '../../lambda/domain/events';
import { isFinalOrderStatus, type OrderRecord } from '../../lambda/domain/order';
import { ANALYTICS_MAX_BATCHING_WINDOW } from '../../lib/defaults';
import { TEST_ORDER_PREFIX } from '../../lib/test-stages';
import { startLocalPipelineWithTimeout } from './support/own-timeout';
import { eventually } from './support/poll';
import { describedTarget } from './support/target';

/**
 * startLocalPipeline (what `npm run local` uses): the real app deployed to a moto of its own, its bundles
 * run by the local Lambda runner; orders placed through the producer reach the final state the design
 * gives them. It deploys the assembly the suite's global setup synthesized (stage test) rather than
 * synthesizing again.
 */

const runId = randomUUID().slice(0, 8);

let pipeline: LocalPipeline;
let ddb: DynamoDBDocumentClient;
let reads: PipelineReads;
let sqs: SQSClient;
let events: EventBridgeClient;
const reports: InvocationReport[] = [];

beforeAll(async () => {
  const { assemblyDirectory } = describedTarget();
  // Every invocation must succeed below: more than stage test's 3 s function timeout promises.
  pipeline = await startLocalPipelineWithTimeout({
    synth: false,
    assemblyDirectory,
    runner: { onInvocation: (r) => reports.push(r) },
  });
  ddb = DynamoDBDocumentClient.from(new DynamoDBClient(pipeline.emulator.clientConfig));
  reads = new PipelineReads(ddb, {
    ordersTable: output('OrdersTableName'),
    inventoryTable: output('InventoryTableName'),
    analyticsTable: output('AnalyticsTableName'),
  });
  sqs = new SQSClient(pipeline.emulator.clientConfig);
  events = new EventBridgeClient(pipeline.emulator.clientConfig);
});

afterAll(async () => {
  ddb?.destroy();
  sqs?.destroy();
  events?.destroy();
  await pipeline?.stop();
});

function output(key: string): string {
  return stackOutput(pipeline.deployment, key);
}

async function seedStock(productId: string, available: number): Promise<void> {
  await ddb.send(
    new PutCommand({ TableName: output('InventoryTableName'), Item: { ...stockKey(productId), available } }),
  );
}

async function finalOrder(orderId: string): Promise<OrderRecord> {
  return eventually(
    `order ${orderId} to reach a final state`,
    async () => {
      const order = await reads.order(orderId);
      return order && isFinalOrderStatus(order.status) ? order : undefined;
    },
    60_000,
    200,
  );
}

async function deadLetterCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const stack of pipeline.deployment.stacks) {
    for (const [key, url] of Object.entries(stack.outputs)) {
      if (!key.endsWith('DlqUrl')) continue;
      const res = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      counts[key] =
        Number(res.Attributes?.ApproximateNumberOfMessages) +
        Number(res.Attributes?.ApproximateNumberOfMessagesNotVisible);
    }
  }
  return counts;
}

describe('the local pipeline', () => {
  it('takes each kind of order to its final state, with nothing dead-lettered', async () => {
    // GIVEN stock for two products (one of them scarce) and four orders, one per outcome
    const product = `sku-${runId}`;
    const scarce = `sku-scarce-${runId}`;
    await seedStock(product, 100);
    await seedStock(scarce, 1);
    const line = { productId: product, quantity: 2, unitPrice: 1_250 };
    const orders: OrderToPlace[] = [
      { orderId: `ord-${runId}-ok`, customerId: 'cus-1', currency: 'EUR', lines: [line] },
      { orderId: `ord-${runId}-cur`, customerId: 'cus-2', currency: 'JPY', lines: [line] },
      {
        orderId: `ord-${runId}-oos`,
        customerId: 'cus-3',
        currency: 'EUR',
        lines: [{ productId: scarce, quantity: 5, unitPrice: 100 }],
      },
      {
        orderId: `ord-${runId}-declined`,
        customerId: `${TEST_ORDER_PREFIX.declinedCustomer}${runId}`,
        currency: 'EUR',
        lines: [line],
      },
    ];
    // WHEN they are placed on the bus
    await placeOrders(orders, { eventBusName: output('EventBusName'), client: events });
    // THEN each ends where the design says, and no queue dead-lettered anything
    const [ok, currency, outOfStock, declined] = await Promise.all(orders.map((o) => finalOrder(o.orderId)));
    expect(ok?.status).toBe('FULFILLED');
    expect(currency?.status).toBe('REJECTED');
    expect(outOfStock).toMatchObject({ status: 'CANCELLED' });
    expect(declined).toMatchObject({ status: 'CANCELLED' });
    // Two units for the fulfilled order; the declined order's two were released again.
    expect(await reads.stock(product)).toBe(98);
    expect(Object.values(await deadLetterCounts()).every((n) => n === 0)).toBe(true);
    // AND every step ran, every batch succeeded, and every record was a first delivery (moto consumed
    // nothing itself)
    // Analytics gathers its batch for up to its window after the last final fact: wait for the four.
    await eventually(
      'analytics receiving the four final facts',
      () =>
        reports.filter((r) => r.shortName === 'analytics').flatMap((r) => r.messageIds).length >= 4 ||
        undefined,
      ANALYTICS_MAX_BATCHING_WINDOW.toMilliseconds() + 30_000,
    );
    expect(reports.filter((r) => r.outcome.kind !== 'all-succeeded').map((r) => r.outcome)).toEqual([]);
    expect(reports.flatMap((r) => r.receiveCounts).every((c) => c === 1)).toBe(true);
    expect(new Set(reports.map((r) => r.shortName))).toEqual(
      new Set([
        'validate-order',
        'reserve-stock',
        'take-payment',
        'release-stock',
        'fulfil-order',
        'analytics',
      ]),
    );
  });
});

describe('the bus policy on the emulator', () => {
  const outcome = (entries: readonly PutEventsResultEntry[] = []) =>
    entries.map((e) => (e.EventId ? 'accepted' : e.ErrorCode));
  const entry = (source: string, event: OutgoingEvent) => ({
    EventBusName: output('EventBusName'),
    Source: source,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
  });

  it('refuses a step’s source to the shared credentials entry by entry, while an order placed in the same call goes through', async () => {
    // GIVEN an order, and a PaymentSucceeded and a StockReserved about it: facts only take-payment’s and
    // reserve-stock’s roles may put
    const product = `sku-policy-${runId}`;
    await seedStock(product, 10);
    const order: OrderToPlace = {
      orderId: `ord-${runId}-policy`,
      customerId: 'cus-5',
      currency: 'EUR',
      lines: [{ productId: product, quantity: 1, unitPrice: 900 }],
    };
    const placed = orderPlacedEvent(order);
    const summary = placed.detail.data as OrderSummary;
    const origin = () => ({ orderId: order.orderId, eventId: randomUUID(), occurredAt: new Date() });
    const paid = buildEvent(PaymentSucceeded, { ...summary, paymentId: 'pay-forged' }, origin());
    const reserved = buildEvent(StockReserved, summary, origin());
    // WHEN the shared credentials (the demo's, the aws CLI's) put all three in one call
    const res = await events.send(
      new PutEventsCommand({
        Entries: [
          entry(PaymentSucceeded.source, paid),
          entry(CLIENT_SOURCE, placed),
          entry(StockReserved.source, reserved),
        ],
      }),
    );
    // THEN both facts are refused at their positions, as EventBridge refuses them, and the order is accepted
    expect(res.FailedEntryCount).toBe(2);
    expect(outcome(res.Entries)).toEqual(['AccessDeniedException', 'accepted', 'AccessDeniedException']);
    // AND the order went through, and no function ever received a refused fact
    expect((await finalOrder(order.orderId)).status).toBe('FULFILLED');
    const bodies = reports.flatMap((r) => r.bodies).join('\n');
    expect(bodies).toContain(placed.detail.metadata.eventId);
    for (const refused of [paid, reserved]) expect(bodies).not.toContain(refused.detail.metadata.eventId);
  });

  it('lets a function’s role put its own source, signed with its own key, and no other step’s', async () => {
    // GIVEN every statement of the app's bus policy enforced, and every function signing as its role
    const { busPolicies } = pipeline.deployment;
    const statements = Object.values(busPolicies.policies.buses).flatMap((b) => b.statements);
    expect(busPolicies).toMatchObject({ enforced: true, notes: [] });
    expect(statements).toHaveLength(PRODUCERS.filter((p) => p !== 'client').length);
    const roles = Object.values(busPolicies.policies.principals);
    const functions = pipeline.runner?.mappings.map((m) => m.function) ?? [];
    expect(functions.map((f) => f.roleArn).filter((arn) => !arn || !roles.includes(arn))).toEqual([]);
    const takePayment = functions.find((f) => f.shortName === 'take-payment')?.roleArn ?? '';
    const asTakePayment = new EventBridgeClient({
      ...pipeline.emulator.clientConfig,
      credentials: principalCredentials(takePayment),
    });
    // WHEN take-payment's key puts its source and reserve-stock's, with a detail type no rule routes (the
    // bus's answer is the point, not a fact for the steps to act on)
    const probe = (source: string) => ({
      EventBusName: output('EventBusName'),
      Source: source,
      DetailType: 'LocalPolicyProbe',
      Detail: '{}',
    });
    const res = await asTakePayment.send(
      new PutEventsCommand({ Entries: [probe(PaymentSucceeded.source), probe(StockReserved.source)] }),
    );
    asTakePayment.destroy();
    // THEN its own source is accepted, the other refused in its role's name
    expect(outcome(res.Entries)).toEqual(['accepted', 'AccessDeniedException']);
    expect(res.Entries?.[1]?.ErrorMessage).toContain(`User: ${takePayment} is not authorized`);
  });
});
