import { isDeepStrictEqual } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { stockKey } from '../../lambda/adapters/inventory-repository';
import { placeOrders } from '../../lambda/adapters/order-producer';
import { SOURCE } from '../../lambda/contracts';
import { type Deployment, stackOutput } from '../deploy';
import type { EmulatorClientConfig } from '../emulator';
import { formatDuration } from './format';
import {
  type DeadLetterCheck,
  evaluate,
  type Observation,
  type ObservedOrder,
  type Outcome,
  summariseAnalytics,
} from './outcome';
import { FINAL_STATUSES, type MalformedEvent, type Scenario } from './scenario';

/**
 * Drives a scenario against a deployed pipeline, through AWS APIs only (as the integration tests do):
 * seeds stock, places the orders with the producer, puts the malformed event on the bus, then polls the
 * orders table and the queues until everything has settled or the deadline passes, and reads the rest.
 */

/** Polling the tables and queues: often enough for a live progress line, cheap for the emulator. */
export const POLL_MS = 1_000;

/** Where the demo reads and writes, from the stacks' outputs. */
export interface DemoTargets {
  readonly eventBusName: string;
  readonly ordersTable: string;
  readonly inventoryTable: string;
  readonly analyticsTable: string;
  /** Source queues of the consumers, by output key (ValidateOrderQueueUrl, ...). */
  readonly queues: Readonly<Record<string, string>>;
  /** Every dead-letter queue (the consumers' and the rule targets'), by output key. */
  readonly deadLetterQueues: Readonly<Record<string, string>>;
}

export function demoTargets(deployment: Deployment): DemoTargets {
  const queues: Record<string, string> = {};
  const deadLetterQueues: Record<string, string> = {};
  for (const stack of deployment.stacks) {
    for (const [key, url] of Object.entries(stack.outputs)) {
      if (key.endsWith('DlqUrl')) deadLetterQueues[key] = url;
      else if (key.endsWith('QueueUrl')) queues[key] = url;
    }
  }
  return {
    eventBusName: stackOutput(deployment, 'EventBusName'),
    ordersTable: stackOutput(deployment, 'OrdersTableName'),
    inventoryTable: stackOutput(deployment, 'InventoryTableName'),
    analyticsTable: stackOutput(deployment, 'AnalyticsTableName'),
    queues,
    deadLetterQueues,
  };
}

/** When the malformed event should reach its DLQ: the queue's redrive settings. */
export interface Redrive {
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
}

/** What the progress line shows, once per poll. */
export interface DemoStatus {
  /** Since the orders were placed. */
  readonly elapsedMs: number;
  readonly orders: number;
  /** Orders in each final status. */
  readonly final: Readonly<Record<string, number>>;
  /** Messages in the consumers' queues, visible or in flight. */
  readonly queued: number;
  readonly deadLettered: number;
  readonly expectedDeadLettered: number;
  /** When the malformed event is due in its DLQ, relative to now; negative once overdue. */
  readonly malformedDueInMs: number;
}

export interface RunResult {
  readonly observation: Observation;
  readonly outcome: Outcome;
  /** false when the deadline passed before every order was final and every queue empty. */
  readonly settled: boolean;
  readonly placedInMs: number;
  /** From placing the orders until the last one was in a final state. */
  readonly allFinalAfterMs?: number;
  /** From placing the orders until everything settled (or the deadline). */
  readonly settledAfterMs: number;
}

export interface RunOptions {
  /** Milliseconds after the orders are placed; `redrive` gives the time the malformed event needs. */
  readonly deadlineMs: (redrive: Redrive) => number;
  readonly onStatus?: (status: DemoStatus) => void;
  /** Milestones (stock seeded, orders placed, ...). */
  readonly onProgress?: (line: string) => void;
  readonly pollMs?: number;
  /** Ends the wait early (Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export class DemoDriver {
  private readonly ddb: DynamoDBDocumentClient;
  private readonly events: EventBridgeClient;
  private readonly sqs: SQSClient;

  constructor(
    clientConfig: EmulatorClientConfig,
    readonly targets: DemoTargets,
  ) {
    this.ddb = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig));
    this.events = new EventBridgeClient(clientConfig);
    this.sqs = new SQSClient(clientConfig);
  }

  destroy(): void {
    this.ddb.destroy();
    this.events.destroy();
    this.sqs.destroy();
  }

  async seedStock(scenario: Scenario): Promise<void> {
    await Promise.all(
      scenario.products.map((p) =>
        this.ddb.send(
          new PutCommand({
            TableName: this.targets.inventoryTable,
            Item: { ...stockKey(p.productId), available: p.initialStock },
          }),
        ),
      ),
    );
  }

  /** Through the producer: contract-checked, 10 per PutEvents call, refused entries retried. */
  async placeOrders(scenario: Scenario): Promise<void> {
    await placeOrders(
      scenario.orders.map((o) => o.order),
      { eventBusName: this.targets.eventBusName, client: this.events },
    );
  }

  /** Straight onto the bus with PutEvents, past the producer's validation, as a buggy client would. */
  async putMalformed(malformed: MalformedEvent): Promise<void> {
    const res = await this.events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.targets.eventBusName,
            Source: SOURCE,
            DetailType: malformed.detailType,
            Detail: JSON.stringify(malformed.detail),
          },
        ],
      }),
    );
    if ((res.FailedEntryCount ?? 0) > 0) {
      const entry = res.Entries?.[0];
      throw new Error(
        `PutEvents refused the malformed event: ${entry?.ErrorCode} ${entry?.ErrorMessage ?? ''}`,
      );
    }
  }

  async redrive(queueKey: string): Promise<Redrive> {
    const url = this.targets.queues[queueKey];
    if (!url) throw new Error(`no stack output ${queueKey}`);
    const res = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['VisibilityTimeout', 'RedrivePolicy'],
      }),
    );
    const policy = JSON.parse(res.Attributes?.RedrivePolicy ?? '{}') as { maxReceiveCount?: number | string };
    return {
      visibilityTimeoutSeconds: Number(res.Attributes?.VisibilityTimeout ?? 30),
      maxReceiveCount: Number(policy.maxReceiveCount ?? 0),
    };
  }

  /** The scenario's order items (one paginated scan, not a read per order). */
  async readOrders(scenario: Scenario): Promise<Map<string, ObservedOrder>> {
    const found = new Map<string, ObservedOrder>();
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new ScanCommand({
          TableName: this.targets.ordersTable,
          ProjectionExpression: '#id, #status, #reason',
          FilterExpression: 'begins_with(#id, :prefix)',
          ExpressionAttributeNames: { '#id': 'orderId', '#status': 'status', '#reason': 'reason' },
          ExpressionAttributeValues: { ':prefix': `demo-${scenario.runId}-` },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) {
        found.set(String(item.orderId), {
          status: typeof item.status === 'string' ? item.status : undefined,
          reason: typeof item.reason === 'string' ? item.reason : undefined,
        });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  }

  /** Visible plus in-flight messages of each queue. */
  async depths(queues: Readonly<Record<string, string>>): Promise<Record<string, number>> {
    const entries = await Promise.all(
      Object.entries(queues).map(async ([key, url]) => {
        const res = await this.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        const n =
          Number(res.Attributes?.ApproximateNumberOfMessages ?? 0) +
          Number(res.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
        return [key, n] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  async readStock(scenario: Scenario): Promise<Map<string, number | undefined>> {
    const entries = await Promise.all(
      scenario.products.map(async (p) => {
        const { Item } = await this.ddb.send(
          new GetCommand({
            TableName: this.targets.inventoryTable,
            Key: stockKey(p.productId),
            ConsistentRead: true,
          }),
        );
        return [p.productId, typeof Item?.available === 'number' ? Item.available : undefined] as const;
      }),
    );
    return new Map(entries);
  }

  /** Every aggregate item (daily totals and per product, every shard); the seen-markers are skipped. */
  async readAnalyticsItems(): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new ScanCommand({
          TableName: this.targets.analyticsTable,
          FilterExpression: 'begins_with(pk, :day) OR begins_with(pk, :product)',
          ExpressionAttributeValues: { ':day': 'DAY#', ':product': 'PRODUCT#' },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /**
   * Looks for the malformed event in a DLQ without taking it: received with a visibility timeout of 0,
   * so it stays there for whoever looks next.
   */
  async findMalformed(malformed: MalformedEvent, queueKey: string): Promise<DeadLetterCheck> {
    const url = this.targets.deadLetterQueues[queueKey];
    if (!url) return 'absent';
    const seen = new Set<string>();
    // A DLQ of the demo holds a message or two; a few rounds of 10 cover one that was used by hand too.
    for (let round = 0; round < 5; round++) {
      const res = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
          WaitTimeSeconds: 0,
        }),
      );
      const messages = (res.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (messages.length === 0) break;
      for (const m of messages) {
        seen.add(m.MessageId ?? '');
        const check = malformedCheck(m.Body, malformed);
        if (check !== 'absent') return check;
      }
    }
    return 'absent';
  }

  async observe(scenario: Scenario, orders?: Map<string, ObservedOrder>): Promise<Observation> {
    const [currentOrders, stock, analyticsItems, deadLetters] = await Promise.all([
      orders ?? this.readOrders(scenario),
      this.readStock(scenario),
      this.readAnalyticsItems(),
      this.depths(this.targets.deadLetterQueues),
    ]);
    const malformed: Record<string, DeadLetterCheck> = {};
    for (const key of Object.keys(scenario.expectedDeadLetters)) {
      malformed[key] = await this.findMalformed(scenario.malformed, key);
    }
    return {
      orders: currentOrders,
      stock,
      analytics: summariseAnalytics(analyticsItems),
      deadLetters,
      malformed,
    };
  }

  /**
   * Seeds, places, waits, observes. Settled means every order is in a final state and every consumer
   * queue is empty (nothing visible, nothing in flight): nothing can change any more, so the malformed
   * event has reached its DLQs (or was lost, which the outcome then shows).
   */
  async run(scenario: Scenario, options: RunOptions): Promise<RunResult> {
    const progress = options.onProgress ?? (() => {});
    await this.seedStock(scenario);
    progress(
      `seeded stock: ${scenario.products.map((p) => `${p.productId} ${p.initialStock}${p.scarce ? ' (scarce)' : ''}`).join(', ')}`,
    );
    const redrive = await this.redrive('ValidateOrderQueueUrl');

    const placeStart = Date.now();
    await this.placeOrders(scenario);
    await this.putMalformed(scenario.malformed);
    const placedAt = Date.now();
    const placedInMs = placedAt - placeStart;
    const kinds = new Map<string, number>();
    for (const o of scenario.orders) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
    progress(
      `placed ${scenario.orders.length} orders in ${placedInMs} ms (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}) ` +
        `and 1 malformed event (${scenario.malformed.defect}) with PutEvents`,
    );
    // The first receive fails, and so does every redelivery one visibility timeout later; the receive after
    // the maxReceiveCount-th moves the message to the DLQ.
    const malformedDueMs = redrive.maxReceiveCount * redrive.visibilityTimeoutSeconds * 1000;
    progress(
      `the malformed event is due in the DLQs in about ${formatDuration(malformedDueMs)} ` +
        `(${redrive.maxReceiveCount} receives, ${redrive.visibilityTimeoutSeconds} s visibility timeout)`,
    );
    const deadline = placedAt + options.deadlineMs(redrive);
    const expectedDeadLettered = Object.values(scenario.expectedDeadLetters).reduce((a, b) => a + b, 0);

    let orders = new Map<string, ObservedOrder>();
    let allFinalAfterMs: number | undefined;
    let settled = false;
    for (;;) {
      const [current, queued, deadLetters] = await Promise.all([
        this.readOrders(scenario),
        this.depths(this.targets.queues),
        this.depths(this.targets.deadLetterQueues),
      ]);
      orders = current;
      const now = Date.now();
      const final: Record<string, number> = {};
      let finalCount = 0;
      for (const o of scenario.orders) {
        const status = orders.get(o.order.orderId)?.status;
        if (status && (FINAL_STATUSES as readonly string[]).includes(status)) {
          final[status] = (final[status] ?? 0) + 1;
          finalCount++;
        }
      }
      const queuedCount = Object.values(queued).reduce((a, b) => a + b, 0);
      options.onStatus?.({
        elapsedMs: now - placedAt,
        orders: scenario.orders.length,
        final,
        queued: queuedCount,
        deadLettered: Object.values(deadLetters).reduce((a, b) => a + b, 0),
        expectedDeadLettered,
        malformedDueInMs: placedAt + malformedDueMs - now,
      });
      const allFinal = finalCount === scenario.orders.length;
      if (allFinal && allFinalAfterMs === undefined) allFinalAfterMs = now - placedAt;
      if (allFinal && queuedCount === 0) {
        settled = true;
        break;
      }
      if (now >= deadline || options.signal?.aborted) break;
      await sleep(Math.min(options.pollMs ?? POLL_MS, Math.max(0, deadline - now)), options.signal);
    }
    const settledAfterMs = Date.now() - placedAt;
    const observation = await this.observe(scenario, orders);
    return {
      observation,
      outcome: evaluate(scenario, observation),
      settled,
      placedInMs,
      allFinalAfterMs,
      settledAfterMs,
    };
  }
}

/** Whether an SQS body is the malformed event as it was put on the bus (source, detail type, detail). */
export function malformedCheck(body: string | undefined, malformed: MalformedEvent): DeadLetterCheck {
  let event: {
    source?: unknown;
    'detail-type'?: unknown;
    detail?: { metadata?: { correlationId?: unknown } };
  };
  try {
    event = JSON.parse(body ?? '');
  } catch {
    return 'absent';
  }
  if (event?.detail?.metadata?.correlationId !== malformed.id) return 'absent';
  const same =
    event.source === SOURCE &&
    event['detail-type'] === malformed.detailType &&
    isDeepStrictEqual(event.detail, malformed.detail);
  return same ? 'original-body' : 'changed-body';
}
