import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EmulatorClientConfig } from '@order-pipeline/local-cloud/emulator';
import { PipelineReads } from '@order-pipeline/pipeline-client/reads';
import { peek, queueDepth } from '@order-pipeline/pipeline-client/sqs';
import { setStock } from '@order-pipeline/pipeline-client/stock';
import { CLIENT_SOURCE } from '../../../../lambda/contracts';
import { type MalformedEvent, malformedCheck } from './malformed';
import { OrderApiClient } from './order-api';
import { ApiOrderDoor, BusOrderDoor, type HistoryPoint, type OrderDoor, type OrderView } from './order-doors';
import { type DeadLetterCheck, type Observation, type ObservedOrder, summariseAnalytics } from './outcome';
import { playScenario, type RunOptions, type RunResult } from './play';
import type { Scenario } from './scenario';
import type { DemoTargets } from './targets';

/**
 * The demo's hands on a deployed pipeline, as its clients have them: seeds stock, places orders through
 * a door (the HTTP API, `POST /orders` signed, or the producer on the bus), puts the malformed event on
 * the bus, and reads orders, queue depths, stock, analytics and the DLQs with AWS APIs. `run` plays a
 * whole scenario with them (play.ts).
 */

/** The SDK app id (User-Agent `app/<id>`) of the driver's requests, so the emulator can tell them apart. */
export const DRIVER_APP_ID = 'demo-driver';

/** When the malformed event should reach its DLQ: the queue's redrive settings. */
export interface Redrive {
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
}

export class DemoDriver {
  private readonly ddb: DynamoDBDocumentClient;
  private readonly events: EventBridgeClient;
  private readonly sqs: SQSClient;
  private readonly door: OrderDoor;
  private readonly reads: PipelineReads;
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
    this.reads = new PipelineReads(this.ddb, targets);
    if (door === 'bus') this.door = new BusOrderDoor({ events: this.events, reads: this.reads }, targets);
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
        setStock(this.ddb, this.targets.inventoryTable, p.productId, p.initialStock),
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
  /** Messages in each queue, visible or in flight (pipeline-client's `queueDepth`). */
  async depths(queues: Readonly<Record<string, string>>): Promise<Record<string, number>> {
    const entries = await Promise.all(
      Object.entries(queues).map(async ([key, url]) => {
        const depth = await queueDepth(this.sqs, url);
        return [key, depth.visible + depth.inFlight] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  async readStock(scenario: Scenario): Promise<Map<string, number | undefined>> {
    return this.reads.stocks(scenario.products.map((p) => p.productId));
  }

  /** Looks for the malformed event in a DLQ without taking it (the whole DLQ is read: it may hold poison too). */
  async findMalformed(malformed: MalformedEvent, queueKey: string): Promise<DeadLetterCheck> {
    const checks = (await this.deadLetterBodies(queueKey)).map((body) => malformedCheck(body, malformed));
    if (checks.includes('original-body')) return 'original-body';
    return checks.includes('changed-body') ? 'changed-body' : 'absent';
  }

  /**
   * Every message body of a DLQ, read without taking them (pipeline-client's `peek`, as `npm run ops`
   * reads them). The depth bounds the read, so an empty DLQ costs one call and a full one no extra wait.
   */
  async deadLetterBodies(queueKey: string): Promise<string[]> {
    const url = this.targets.deadLetterQueues[queueKey];
    if (!url) return [];
    const { visible } = await queueDepth(this.sqs, url);
    if (visible === 0) return [];
    const { messages } = await peek(this.sqs, url, visible);
    return messages.map((m) => m.Body ?? '');
  }

  async observe(scenario: Scenario): Promise<Observation> {
    const [currentOrders, stock, analyticsItems, deadLetters] = await Promise.all([
      this.readOrders(scenario.orders.map((o) => o.order.orderId)),
      this.readStock(scenario),
      this.reads.analyticsAggregates(),
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
   * Seeds, places, waits, observes (play.ts): settled means every order is in a final state and every
   * consumer queue is empty.
   */
  async run(scenario: Scenario, options: RunOptions): Promise<RunResult> {
    return playScenario(this, scenario, options);
  }
}
