import { isDeepStrictEqual } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type Deployment, stackOutput } from '@order-pipeline/local-cloud/deploy';
import type { EmulatorClientConfig } from '@order-pipeline/local-cloud/emulator';
import type { LocalPipeline } from '@order-pipeline/local-cloud/local-pipeline';
import { stockKey } from '../../../../lambda/adapters/inventory-repository';
import { CLIENT_SOURCE } from '../../../../lambda/contracts';
import { isFinalOrderStatus } from '../../../../lambda/domain/order';
import { formatDuration } from './format';
import { OrderApiClient } from './order-api';
import { ApiOrderDoor, BusOrderDoor, type HistoryPoint, type OrderDoor, type OrderView } from './order-doors';
import {
  type DeadLetterCheck,
  evaluate,
  type Observation,
  type ObservedOrder,
  type Outcome,
  summariseAnalytics,
} from './outcome';
import type { DemoOrder, MalformedEvent, Scenario } from './scenario';

/**
 * Drives a scenario against a deployed pipeline as its clients would: seeds stock, places the orders
 * through the HTTP API (`POST /orders`, signed), puts the malformed event on the bus (a buggy producer
 * on the bus is what it shows), then polls the orders with `GET /orders/{orderId}` and the queues until
 * everything has settled or the deadline passes, and reads stock, analytics and the DLQs with AWS APIs.
 */

/** Polling the queues (cheap): often enough for a live progress line. */
export const POLL_MS = 1_000;

/**
 * Orders not yet final are re-read at most this often, and less often when many are in flight: each
 * `GET /orders/{orderId}` is a function invocation and an item read on moto, under the lock every
 * DynamoDB request shares (moto_server.py), so the demo's reads must stay a small share of what the
 * pipeline's functions need.
 */
const ORDER_READ_MIN_INTERVAL_MS = 2_000;
const ORDER_READ_MS_PER_PENDING_ORDER = 25;

/** How long to wait before reading `pending` orders not yet final again. */
export function orderReadIntervalMs(pending: number): number {
  return Math.max(ORDER_READ_MIN_INTERVAL_MS, pending * ORDER_READ_MS_PER_PENDING_ORDER);
}

/** While a DLQ is read page by page, each page stays hidden this long (then it is back for anyone). */
const DLQ_PAGE_HIDDEN_SECONDS = 20;

/** The SDK app id (User-Agent `app/<id>`) of the driver's requests, so the emulator can tell them apart. */
export const DRIVER_APP_ID = 'demo-driver';

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

/** The order API's URL: the first HTTP API the local gateway serves. */
export function orderApiUrl(pipeline: Pick<LocalPipeline, 'httpApis'>): string {
  const url = pipeline.httpApis?.apis[0]?.url;
  if (!url) throw new Error('the app serves no HTTP API: the demo places its orders with POST /orders');
  return url;
}

export type { HistoryPoint } from './order-doors';

/**
 * An order placed puts one message on each queue whose rule takes OrderPlaced (validate-order's only;
 * analytics takes final facts): how many orders fit into a backlog of `messages`.
 */
const MESSAGES_PER_PLACED_ORDER = 1;
function ordersFor(messages: number): number {
  return Math.max(1, Math.ceil(messages / MESSAGES_PER_PLACED_ORDER));
}

/**
 * Places a scenario's orders in portions: all at once, or, with a backlog, as many as fill the consumer
 * queues up to `maxBacklog` messages and more each time they drain (RunOptions.maxBacklog).
 */
export class OrderFeeder {
  /** Scenario order id -> when its `POST /orders` was sent (epoch ms). */
  readonly placedAt = new Map<string, number>();
  private readonly unplaced: DemoOrder[];

  constructor(
    private readonly driver: Pick<DemoDriver, 'placeOrders'>,
    private readonly scenario: Scenario,
    private readonly maxBacklog?: number,
  ) {
    this.unplaced = [...scenario.orders];
  }

  /** Orders not placed yet. */
  get remaining(): number {
    return this.unplaced.length;
  }

  /** The first portion: every order, or as many as fill the backlog. */
  async start(): Promise<void> {
    await this.place(this.maxBacklog === undefined ? this.unplaced.length : ordersFor(this.maxBacklog));
  }

  /** More orders, if the consumer queues hold fewer than the backlog (`queued` messages). */
  async topUp(queued: number): Promise<void> {
    if (this.maxBacklog !== undefined && queued < this.maxBacklog) {
      await this.place(ordersFor(this.maxBacklog - queued));
    }
  }

  private async place(count: number): Promise<void> {
    const next = this.unplaced.splice(0, count);
    if (next.length === 0) return;
    for (const [orderId, at] of await this.driver.placeOrders({ ...this.scenario, orders: next })) {
      this.placedAt.set(orderId, at);
    }
  }
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
  /** Scenario order id -> when its `POST /orders` was sent (epoch ms). */
  readonly placedAt: ReadonlyMap<string, number>;
  /** Scenario order id -> the order id the API gave it (derived from the caller and the key). */
  readonly orderIds: ReadonlyMap<string, string>;
  /** When placing began (epoch ms). */
  readonly placeStartedAt: number;
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
  /**
   * Feed the orders as the pipeline drains instead of in one burst: place more only while the consumer
   * queues hold fewer than this many messages. For a benchmark on moto, whose SQS works in time
   * proportional to a queue's length.
   * @default - every order at once
   */
  readonly maxBacklog?: number;
  /**
   * Read the orders only while the consumer queues are empty, when they should be final: each read is a
   * `GET /orders/{orderId}`, a function invocation the pipeline being measured would share its machine with.
   * @default false - every orderReadIntervalMs, for a live count of final orders
   */
  readonly readOrdersWhenIdle?: boolean;
  /**
   * Put the scenario's malformed event on the bus; without it the scenario must expect no dead letters.
   * @default true
   */
  readonly putMalformed?: boolean;
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
  private readonly door: OrderDoor;
  /** Scenario order id -> the id the pipeline knows it by, once placed. */
  readonly orderIds = new Map<string, string>();

  /**
   * `door`: `{ api: url }` places and reads through the HTTP API (signed with the emulator's
   * credentials), `'bus'` with the producer and the orders table, or any OrderDoor (tests).
   */
  constructor(
    clientConfig: EmulatorClientConfig,
    readonly targets: DemoTargets,
    door: { readonly api: string } | 'bus' | OrderDoor,
  ) {
    const config = { ...clientConfig, userAgentAppId: DRIVER_APP_ID };
    this.ddb = DynamoDBDocumentClient.from(new DynamoDBClient(config));
    this.events = new EventBridgeClient(config);
    this.sqs = new SQSClient(config);
    if (door === 'bus') this.door = new BusOrderDoor({ events: this.events, ddb: this.ddb }, targets);
    else if ('place' in door) this.door = door;
    else {
      const iam = { credentials: clientConfig.credentials, region: clientConfig.region };
      this.door = new ApiOrderDoor(new OrderApiClient({ url: door.api, iam }));
    }
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

  /**
   * Through the door (`POST /orders`, or the producer's PutEvents). Returns when each order was sent
   * (epoch ms), where its end-to-end latency starts; `orderIds` learns the id the pipeline gave it.
   */
  async placeOrders(scenario: Scenario): Promise<Map<string, number>> {
    const placedAt = new Map<string, number>();
    for (const [id, placed] of await this.door.place(scenario.orders.map((o) => o.order))) {
      this.orderIds.set(id, placed.orderId);
      placedAt.set(id, placed.at);
    }
    return placedAt;
  }

  /** How the orders are placed (`with POST /orders`). */
  get placedWith(): string {
    return this.door.description;
  }

  /** Straight onto the bus with PutEvents, past the producer's validation, as a buggy client would. */
  async putMalformed(malformed: MalformedEvent): Promise<void> {
    const res = await this.events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.targets.eventBusName,
            Source: CLIENT_SOURCE,
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

  /** The given orders (by scenario id) as the door reads them; an order not placed yet, or unknown, is absent. */
  async readViews(orderIds: readonly string[]): Promise<Map<string, OrderView>> {
    const placed = orderIds.flatMap((id) => {
      const pipelineId = this.orderIds.get(id);
      return pipelineId ? [[id, pipelineId] as const] : [];
    });
    const views = await this.door.read(placed.map(([, pipelineId]) => pipelineId));
    const found = new Map<string, OrderView>();
    for (const [id, pipelineId] of placed) {
      const view = views.get(pipelineId);
      if (view) found.set(id, view);
    }
    return found;
  }

  /** The status and reason of the given orders (by scenario id). */
  async readOrders(orderIds: readonly string[]): Promise<Map<string, ObservedOrder>> {
    const found = new Map<string, ObservedOrder>();
    for (const [id, view] of await this.readViews(orderIds)) {
      found.set(id, { status: view.status, reason: view.reason });
    }
    return found;
  }

  /** Each order's history (by scenario id): the statuses it went through and when (epoch ms), oldest first. */
  async readHistories(orderIds: readonly string[]): Promise<Map<string, HistoryPoint[]>> {
    const histories = new Map<string, HistoryPoint[]>();
    for (const [id, view] of await this.readViews(orderIds)) histories.set(id, [...view.history]);
    return histories;
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
  /** Looks for the malformed event in a DLQ without taking it (the whole DLQ is read: it may hold poison too). */
  async findMalformed(malformed: MalformedEvent, queueKey: string): Promise<DeadLetterCheck> {
    const checks = (await this.deadLetterBodies(queueKey)).map((body) => malformedCheck(body, malformed));
    if (checks.includes('original-body')) return 'original-body';
    return checks.includes('changed-body') ? 'changed-body' : 'absent';
  }

  /**
   * Every message body of a DLQ, read without taking them: each page is hidden while the next receive
   * returns others, and all are made visible again at the end, for whoever looks next.
   */
  async deadLetterBodies(queueKey: string): Promise<string[]> {
    const url = this.targets.deadLetterQueues[queueKey];
    if (!url) return [];
    const received = new Map<string, Message>();
    for (let emptyReceives = 0; emptyReceives < 2; ) {
      const res = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: DLQ_PAGE_HIDDEN_SECONDS,
          WaitTimeSeconds: 0,
        }),
      );
      const fresh = (res.Messages ?? []).filter((m) => m.MessageId && !received.has(m.MessageId));
      for (const m of fresh) received.set(m.MessageId ?? '', m);
      emptyReceives = fresh.length === 0 ? emptyReceives + 1 : 0;
    }
    const messages = [...received.values()];
    for (let i = 0; i < messages.length; i += 10) {
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: messages
            .slice(i, i + 10)
            .map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
        }),
      );
    }
    return messages.map((m) => m.Body ?? '');
  }

  async observe(scenario: Scenario): Promise<Observation> {
    const [currentOrders, stock, analyticsItems, deadLetters] = await Promise.all([
      this.readOrders(scenario.orders.map((o) => o.order.orderId)),
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
    const feeder = new OrderFeeder(this, scenario, options.maxBacklog);
    await feeder.start();
    const acceptedAt = feeder.placedAt;
    const withMalformed = options.putMalformed ?? true;
    if (withMalformed) await this.putMalformed(scenario.malformed);
    const placedAt = Date.now();
    const placedInMs = placedAt - placeStart;
    const kinds = new Map<string, number>();
    for (const o of scenario.orders) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
    progress(
      `placed ${acceptedAt.size} orders in ${placedInMs} ms (of ${scenario.orders.length}: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')})` +
        (withMalformed ? ` and 1 malformed event (${scenario.malformed.defect})` : '') +
        ` (orders ${this.door.description}` +
        (withMalformed ? ', the malformed event with PutEvents)' : ')') +
        (feeder.remaining > 0 ? `; the rest as the queues drain below ${options.maxBacklog} messages` : ''),
    );
    // The first receive fails, and so does every redelivery one visibility timeout later; the receive after
    // the maxReceiveCount-th moves the message to the DLQ.
    const malformedDueMs = redrive.maxReceiveCount * redrive.visibilityTimeoutSeconds * 1000;
    if (withMalformed) {
      progress(
        `the malformed event is due in the DLQs in about ${formatDuration(malformedDueMs)} ` +
          `(${redrive.maxReceiveCount} receives, ${redrive.visibilityTimeoutSeconds} s visibility timeout)`,
      );
    }
    const deadline = placedAt + options.deadlineMs(redrive);
    const expectedDeadLettered = Object.values(scenario.expectedDeadLetters).reduce((a, b) => a + b, 0);

    const orders = new Map<string, ObservedOrder>();
    // A final state never changes: once an order has one it is not read again.
    const pending = new Set(scenario.orders.map((o) => o.order.orderId));
    let nextOrderReadAt = 0;
    let emptyPolls = 0;
    let allFinalAfterMs: number | undefined;
    let settled = false;
    for (;;) {
      const placedPending = [...pending].filter((orderId) => acceptedAt.has(orderId));
      const readOrdersNow =
        placedPending.length > 0 &&
        (options.readOrdersWhenIdle ? emptyPolls > 0 : Date.now() >= nextOrderReadAt);
      const [read, queued, deadLetters] = await Promise.all([
        readOrdersNow ? this.readOrders(placedPending) : undefined,
        this.depths(this.targets.queues),
        this.depths(this.targets.deadLetterQueues),
      ]);
      const now = Date.now();
      if (read) {
        for (const [orderId, order] of read) {
          orders.set(orderId, order);
          if (isFinalOrderStatus(order.status)) pending.delete(orderId);
        }
        nextOrderReadAt = now + orderReadIntervalMs(placedPending.length);
      }
      const final: Record<string, number> = {};
      for (const order of orders.values()) {
        if (order.status && isFinalOrderStatus(order.status))
          final[order.status] = (final[order.status] ?? 0) + 1;
      }
      const queuedCount = Object.values(queued).reduce((a, b) => a + b, 0);
      await feeder.topUp(queuedCount);
      options.onStatus?.({
        elapsedMs: now - placedAt,
        orders: scenario.orders.length,
        final,
        queued: queuedCount,
        deadLettered: Object.values(deadLetters).reduce((a, b) => a + b, 0),
        expectedDeadLettered,
        malformedDueInMs: placedAt + malformedDueMs - now,
      });
      if (pending.size === 0 && allFinalAfterMs === undefined) allFinalAfterMs = now - placedAt;
      // The six queues are not read as one snapshot (a message can move from one not yet read to one
      // already read), so "empty" must hold on two polls in a row.
      emptyPolls = queuedCount === 0 ? emptyPolls + 1 : 0;
      if (pending.size === 0 && emptyPolls >= 2) {
        settled = true;
        break;
      }
      // Nothing in the queues but orders not seen final yet: look at them now, not at the next interval.
      if (emptyPolls > 0) nextOrderReadAt = 0;
      if (now >= deadline || options.signal?.aborted) break;
      await sleep(Math.min(options.pollMs ?? POLL_MS, Math.max(0, deadline - now)), options.signal);
    }
    const settledAfterMs = Date.now() - placedAt;
    // The orders once more, all of them: the picture the outcome is judged on.
    const observation = await this.observe(scenario);
    return {
      observation,
      outcome: evaluate(scenario, observation),
      settled,
      placedInMs,
      placedAt: acceptedAt,
      orderIds: new Map(this.orderIds),
      placeStartedAt: placeStart,
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
    event.source === CLIENT_SOURCE &&
    event['detail-type'] === malformed.detailType &&
    isDeepStrictEqual(event.detail, malformed.detail);
  return same ? 'original-body' : 'changed-body';
}
