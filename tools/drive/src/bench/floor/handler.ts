import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { orderIdOfEvent, parseEventBody } from '@order-pipeline/pipeline-client/messages';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dynamoDbDocumentClient } from '../../../../../lambda/adapters/aws-clients';
import { eventBridgeClient } from '../../../../../lambda/adapters/eventbridge-client';
import {
  type DetailType,
  ORDER_FULFILLED,
  ORDER_PLACED,
  ORDER_VALIDATED,
  PAYMENT_SUCCEEDED,
  STOCK_RESERVED,
  sourceFor,
} from '../../../../../lambda/contracts';

/**
 * The benchmark's floor: a consumer that does no business work, only what a hop cannot avoid. Per
 * record one state write; per outgoing event one entry, sent 10 per PutEvents call. The benchmark runs
 * it in place of every consumer's bundle, on the same bus, rules, queues, runner and emulator, so the
 * pipeline's throughput can be read as a share of what the plumbing itself allows. Never deployed.
 *
 * It follows the happy path: each order step moves the order one status on and publishes the next
 * fact; analytics writes one item per event.
 */

/** Incoming detail type -> the status an order step sets and the fact it publishes (docs/design.md). */
const HAPPY_PATH: Readonly<Record<string, { readonly status: string; readonly next: DetailType }>> = {
  [ORDER_PLACED]: { status: 'VALIDATED', next: ORDER_VALIDATED },
  [ORDER_VALIDATED]: { status: 'RESERVED', next: STOCK_RESERVED },
  [STOCK_RESERVED]: { status: 'PAID', next: PAYMENT_SUCCEEDED },
  [PAYMENT_SUCCEEDED]: { status: 'FULFILLED', next: ORDER_FULFILLED },
};

/** EventBridge takes at most 10 entries per PutEvents call. */
const PUT_EVENTS_MAX_ENTRIES = 10;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const isAnalytics = process.env.POWERTOOLS_SERVICE_NAME === 'analytics';

async function handleRecord(body: string, entries: PutEventsRequestEntry[]): Promise<void> {
  const { event, problem } = parseEventBody(body);
  if (!event) throw new Error(`the floor cannot read the record: ${problem}`);
  const orderId = orderIdOfEvent(event);
  if (orderId === undefined) throw new Error(`the floor's ${event['detail-type']} event names no order`);
  const at = new Date().toISOString();
  if (isAnalytics) {
    await dynamoDbDocumentClient().send(
      new PutCommand({
        TableName: required('ANALYTICS_TABLE'),
        Item: { pk: `FLOOR#${orderId}`, sk: event['detail-type'], at },
      }),
    );
    return;
  }
  const step = HAPPY_PATH[event['detail-type']];
  if (!step) throw new Error(`the floor has no step for ${event['detail-type']}`);
  // The same item shape as an order (status and history), so one reader measures both runs.
  await dynamoDbDocumentClient().send(
    new UpdateCommand({
      TableName: required('ORDERS_TABLE'),
      Key: { orderId },
      UpdateExpression:
        'SET #status = :status, #history = list_append(if_not_exists(#history, :none), :entry)',
      ExpressionAttributeNames: { '#status': 'status', '#history': 'history' },
      ExpressionAttributeValues: {
        ':status': step.status,
        ':none': [],
        ':entry': [{ status: step.status, at }],
      },
    }),
  );
  entries.push({
    EventBusName: required('EVENT_BUS_NAME'),
    Source: sourceFor(step.next),
    DetailType: step.next,
    Detail: JSON.stringify({ data: { orderId } }),
  });
}

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const entries: PutEventsRequestEntry[] = [];
  // In parallel, as Powertools' BatchProcessor runs the records of the real consumers.
  const results = await Promise.allSettled(event.Records.map((r) => handleRecord(r.body, entries)));
  for (let i = 0; i < entries.length; i += PUT_EVENTS_MAX_ENTRIES) {
    const res = await eventBridgeClient().send(
      new PutEventsCommand({ Entries: entries.slice(i, i + PUT_EVENTS_MAX_ENTRIES) }),
    );
    // The floor makes no retries: a refused entry fails the whole batch, which SQS redelivers.
    if ((res.FailedEntryCount ?? 0) > 0) throw new Error(`PutEvents refused ${res.FailedEntryCount} entries`);
  }
  return {
    batchItemFailures: event.Records.filter((_, i) => results[i]?.status === 'rejected').map((r) => ({
      itemIdentifier: r.messageId,
    })),
  };
}
