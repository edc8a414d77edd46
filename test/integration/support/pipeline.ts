import { createHash, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { type Message, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type OrderToPlace,
  orderPlacedEvent,
  placeOrders,
} from '@order-pipeline/pipeline-client/order-producer';
import { PipelineReads } from '@order-pipeline/pipeline-client/reads';
import {
  deleteMessages,
  PEEK_VISIBILITY_SECONDS,
  receive,
  release,
  SQS_BATCH,
} from '@order-pipeline/pipeline-client/sqs';
import { setStock } from '@order-pipeline/pipeline-client/stock';
import {
  contractFor,
  type DetailType,
  idempotencyKeyFor,
  type OrderPlacedDetail,
  type OrderSummary,
  sourceFor,
} from '../../../lambda/contracts';
import { buildEvent, type OutgoingEvent } from '../../../lambda/domain/events';
import type { OrderRecord } from '../../../lambda/domain/order';
import { isFinalOrderStatus } from '../../../lambda/domain/order';
import { ANALYTICS_MAX_BATCHING_WINDOW } from '../../../lib/defaults';
import { OutageControl } from './fault-proxy';
import { type FunctionLogs, functionLogs } from './function-logs';
import { eventually } from './poll';
import { CONSUMER_IDS, type ConsumerId, type TargetDescription, targetClientConfig } from './target';

/**
 * The deployed pipeline as the tests see it: AWS APIs only (the producer's PutEvents, DynamoDB reads,
 * SQS), the functions' logs, and on the local target the fault proxy. Every id it makes carries the run
 * id, so a run never reads another run's data and the suite can run twice on the same stack.
 */

/** The statuses of an order that went all the way, each reached by exactly one transition. */
export const FULFILLED_PATH = ['VALIDATED', 'RESERVED', 'PAID', 'FULFILLED'];

/** Beyond the SQS timings: a poll interval, an invocation, a cold start; generous for a busy CI machine. */
const SLACK_MS = 60_000;

export interface ReceivedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody?: string;
  readonly receiveCount: number;
}

export class PipelineUnderTest {
  readonly runId = randomUUID().slice(0, 8);
  readonly ddb: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly events: EventBridgeClient;
  /** The stage's tables, read as the app stores them. */
  readonly reads: PipelineReads;
  readonly logs: FunctionLogs;
  /** Switches DynamoDB outages on and off: only the local target has a proxy in front of its emulator. */
  readonly outages?: OutageControl;

  constructor(readonly target: TargetDescription) {
    const config = targetClientConfig(target);
    this.ddb = DynamoDBDocumentClient.from(new DynamoDBClient(config), {
      marshallOptions: { removeUndefinedValues: true },
    });
    this.sqs = new SQSClient(config);
    this.events = new EventBridgeClient(config);
    this.reads = new PipelineReads(this.ddb, {
      ordersTable: this.output('OrdersTableName'),
      inventoryTable: this.output('InventoryTableName'),
      analyticsTable: this.output('AnalyticsTableName'),
    });
    this.logs = functionLogs(target, config);
    this.outages = target.faultProxy ? new OutageControl(target.faultProxy) : undefined;
  }

  close(): void {
    this.ddb.destroy();
    this.sqs.destroy();
    this.events.destroy();
    this.logs.close();
  }

  output(key: string): string {
    const value = this.target.outputs[key];
    if (value === undefined) throw new Error(`no stack output ${key}`);
    return value;
  }

  /** An order id unique to this run; `prefix` selects a fault rule or decline rule of lib/config.ts. */
  orderId(label: string, prefix = 'ord-'): string {
    return `${prefix}${this.runId}-${label}`;
  }

  productId(label: string): string {
    return `sku-${this.runId}-${label}`;
  }

  // ---- timings, from the deployed queues

  /** How long a failed delivery stays invisible before its next one. */
  redeliveryMs(consumer: ConsumerId): number {
    return this.target.queues[consumer].visibilityTimeoutSeconds * 1000;
  }

  /** Enough for a message that fails every delivery to reach the DLQ: maxReceiveCount deliveries and the move. */
  deadLetterMs(consumer: ConsumerId): number {
    const q = this.target.queues[consumer];
    return (q.maxReceiveCount + 1) * q.visibilityTimeoutSeconds * 1000 + SLACK_MS;
  }

  /**
   * Enough for an order to go through the flow with one failed delivery at each of `retries` steps, and
   * for analytics to count its final fact after gathering its batch (finalOrder waits for that).
   */
  flowMs(retries = 0): number {
    return (
      retries * this.redeliveryMs('ValidateOrder') + ANALYTICS_MAX_BATCHING_WINDOW.toMilliseconds() + SLACK_MS
    );
  }

  // ---- producing

  async place(orders: readonly OrderToPlace[]): Promise<OrderPlacedDetail[]> {
    return placeOrders(orders, { eventBusName: this.output('EventBusName'), client: this.events });
  }

  /** The body EventBridge would put on a queue for `event` (its envelope), for sending straight to a queue. */
  envelope(event: OutgoingEvent, source = sourceFor(event.detailType)): string {
    return JSON.stringify({
      version: '0',
      id: randomUUID(),
      'detail-type': event.detailType,
      source,
      account: this.target.account,
      time: new Date().toISOString(),
      region: this.target.region,
      resources: [],
      detail: event.detail,
    });
  }

  orderPlacedEnvelope(order: OrderToPlace): string {
    return this.envelope(orderPlacedEvent(order));
  }

  /**
   * A contract-valid `detailType` fact about `order` with a new event id, as a PutEvents entry with
   * `source`: what an attacker (or a compromised producer) would put; and as the body a rule would deliver.
   * Nothing in it was stored by a step.
   */
  forgedEvent(
    detailType: DetailType,
    order: Pick<OrderSummary, 'orderId' | 'customerId' | 'currency'> & {
      readonly lines: readonly OrderSummary['lines'][number][];
      readonly totalAmount?: number;
    },
    source: string,
  ): { eventId: string; entry: PutEventsRequestEntry; body: string } {
    const contract = contractFor(detailType);
    if (contract === undefined) throw new Error(`no contract for ${detailType}`);
    const lines = [...order.lines];
    const summary = {
      orderId: order.orderId,
      customerId: order.customerId,
      lines,
      currency: order.currency,
      totalAmount: order.totalAmount ?? lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0),
    };
    const { orderId, customerId } = summary;
    const dataOf: Record<DetailType, unknown> = {
      OrderPlaced: summary,
      OrderValidated: summary,
      OrderRejected: { orderId, customerId, reasons: ['forged'] },
      StockReserved: summary,
      OutOfStock: {
        orderId,
        customerId,
        unavailable: [{ productId: lines[0]?.productId, requested: 1, available: 0 }],
      },
      PaymentSucceeded: { ...summary, paymentId: 'pay-forged' },
      PaymentFailed: { ...summary, reason: 'forged' },
      OrderCancelled: { orderId, customerId, reason: 'forged', lines },
      OrderFulfilled: { ...summary, fulfilmentId: 'ful-forged' },
    };
    const eventId = randomUUID();
    const event = buildEvent(contract as never, dataOf[detailType] as never, {
      orderId,
      eventId,
      causationId: randomUUID(),
      occurredAt: new Date(),
    });
    return {
      eventId,
      body: this.envelope(event, source),
      entry: {
        EventBusName: this.output('EventBusName'),
        Source: source,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
      },
    };
  }

  /** PutEvents as any client would; fails unless the bus accepted every entry. */
  async putOnBus(entries: readonly PutEventsRequestEntry[]): Promise<void> {
    const res = await this.events.send(new PutEventsCommand({ Entries: [...entries] }));
    if ((res.FailedEntryCount ?? 0) > 0) throw new Error(`PutEvents refused ${JSON.stringify(res.Entries)}`);
  }

  /** Sends bodies to a consumer's queue in one SendMessageBatch (at most 10); returns the message ids in order. */
  async send(consumer: ConsumerId, bodies: readonly string[]): Promise<string[]> {
    const queueUrl = this.output(`${consumer}QueueUrl`);
    if (bodies.length === 1) {
      const { MessageId } = await this.sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: bodies[0] }),
      );
      return [MessageId ?? ''];
    }
    const res = await this.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.map((MessageBody, i) => ({ Id: String(i), MessageBody })),
      }),
    );
    if ((res.Failed ?? []).length > 0)
      throw new Error(`SendMessageBatch refused ${JSON.stringify(res.Failed)}`);
    const byId = new Map((res.Successful ?? []).map((s) => [s.Id, s.MessageId ?? '']));
    return bodies.map((_, i) => byId.get(String(i)) ?? '');
  }

  // ---- tables

  async seedStock(productId: string, available: number): Promise<void> {
    await setStock(this.ddb, this.output('InventoryTableName'), productId, available);
  }

  async order(orderId: string): Promise<OrderRecord | undefined> {
    return this.reads.order(orderId);
  }

  /** Waits for each order in turn (one read at a time keeps the emulator free for the pipeline). */
  async finalOrders(orderIds: readonly string[], timeoutMs = this.flowMs()): Promise<OrderRecord[]> {
    const deadline = Date.now() + timeoutMs;
    const orders: OrderRecord[] = [];
    for (const id of orderIds) orders.push(await this.finalOrder(id, Math.max(deadline - Date.now(), 1_000)));
    return orders;
  }

  /**
   * Waits until the order is settled: in a final state (no step writes its item after that) and its last
   * event, the one in the outbox slot, seen by analytics, which consumes the final fact of every order.
   * Each earlier event was published: it caused the next transition.
   */
  async finalOrder(orderId: string, timeoutMs = this.flowMs()): Promise<OrderRecord> {
    return eventually(
      `order ${orderId} to reach a final state with its last event published`,
      async () => {
        const order = await this.order(orderId);
        if (order === undefined || !isFinalOrderStatus(order.status)) return undefined;
        return (await this.analyticsSaw(idempotencyKeyFor(orderId, order.outbox.detailType)))
          ? order
          : undefined;
      },
      timeoutMs,
      500,
    );
  }

  /** Whether analytics has consumed the event of `idempotencyKey` (its seen-marker exists). */
  async analyticsSaw(idempotencyKey: string): Promise<boolean> {
    return this.reads.analyticsSaw(idempotencyKey);
  }

  async stock(productId: string): Promise<number | undefined> {
    return this.reads.stock(productId);
  }

  /** Units of `productId` that analytics counted as fulfilled on `days`, summed over the shards. */
  async fulfilledUnits(productId: string, days: Iterable<string>): Promise<number> {
    return this.reads.fulfilledUnits(productId, days);
  }

  // ---- dead-letter queues

  /**
   * Every message in a queue whose body satisfies `match`, read without consuming it: the messages are
   * received with a short visibility timeout (so a large DLQ can be paged) and made visible again.
   */
  async peek(queueUrl: string, match: (body: string) => boolean): Promise<ReceivedMessage[]> {
    return this.collect(queueUrl, match, 'release');
  }

  async deadLetters(consumer: ConsumerId, match: (body: string) => boolean): Promise<ReceivedMessage[]> {
    return this.peek(this.output(`${consumer}DlqUrl`), match);
  }

  async waitForDeadLetters(
    consumer: ConsumerId,
    match: (body: string) => boolean,
    count: number,
    timeoutMs = this.deadLetterMs(consumer),
  ): Promise<ReceivedMessage[]> {
    return eventually(
      `${count} message(s) in the ${consumer} DLQ`,
      async () => {
        const found = await this.deadLetters(consumer, match);
        return found.length >= count ? found : undefined;
      },
      timeoutMs,
      2_000,
    );
  }

  /**
   * Removes this test's messages from a DLQ once it has asserted on them, so a run leaves nothing to
   * alarm on. Retries until `expected` are gone: another test's read may hide one for a moment.
   */
  async deleteDeadLetters(
    consumer: ConsumerId,
    match: (body: string) => boolean,
    expected: number,
  ): Promise<number> {
    const url = this.output(`${consumer}DlqUrl`);
    let deleted = 0;
    return eventually(
      `${expected} message(s) deleted from the ${consumer} DLQ`,
      async () => {
        deleted += (await this.collect(url, match, 'delete')).length;
        return deleted >= expected ? deleted : undefined;
      },
      30_000,
      1_000,
    );
  }

  /**
   * DLQ redrive of this test's messages: each matching message is sent to the consumer's queue with its
   * body unchanged and then deleted from the DLQ, which is what SQS's StartMessageMoveTask does (a new
   * message, same body), limited to the messages of this test because the stack is shared.
   */
  async redrive(consumer: ConsumerId, match: (body: string) => boolean, expected: number): Promise<number> {
    const queueUrl = this.output(`${consumer}QueueUrl`);
    const dlqUrl = this.output(`${consumer}DlqUrl`);
    let moved = 0;
    return eventually(
      `${expected} message(s) redriven from the ${consumer} DLQ`,
      async () => {
        const batch = await this.collect(dlqUrl, match, async (m) => {
          await this.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: m.Body }));
        });
        moved += batch.length;
        return moved >= expected ? moved : undefined;
      },
      30_000,
      1_000,
    );
  }

  /** Messages in any DLQ of the stage (consumer DLQs and rule-target DLQs) that mention one of `needles`. */
  async deadLettersMentioning(needles: readonly string[]): Promise<ReceivedMessage[]> {
    const urls = CONSUMER_IDS.flatMap((id) => [this.output(`${id}DlqUrl`), this.output(`${id}TargetDlqUrl`)]);
    const found = await Promise.all(
      urls.map((url) => this.peek(url, (body) => needles.some((n) => body.includes(n)))),
    );
    return found.flat();
  }

  /**
   * Pages through a queue with the pipeline client's peek semantics: receives batches hidden for a short
   * visibility timeout until a receive brings nothing new. Matching messages get `action` (then are
   * deleted, unless it is 'release'); the others, and the matching ones on 'release', are made visible
   * again at once for whoever else reads the queue.
   */
  private async collect(
    queueUrl: string,
    match: (body: string) => boolean,
    action: 'release' | 'delete' | ((m: Message) => Promise<void>),
  ): Promise<ReceivedMessage[]> {
    const matched: ReceivedMessage[] = [];
    const toRelease: string[] = [];
    const toDelete: string[] = [];
    const seen = new Set<string>();
    for (let round = 0; round < 50; round++) {
      const messages = await receive(this.sqs, queueUrl, SQS_BATCH, PEEK_VISIBILITY_SECONDS);
      const fresh = messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const m of fresh) {
        seen.add(m.MessageId ?? '');
        const body = m.Body ?? '';
        const handle = m.ReceiptHandle ?? '';
        if (!match(body)) {
          toRelease.push(handle);
          continue;
        }
        matched.push({
          messageId: m.MessageId ?? '',
          body,
          md5OfBody: m.MD5OfBody,
          receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
        });
        if (action === 'release') toRelease.push(handle);
        else {
          if (typeof action === 'function') await action(m);
          toDelete.push(handle);
        }
      }
    }
    await deleteMessages(this.sqs, queueUrl, toDelete);
    await release(this.sqs, queueUrl, toRelease);
    return matched;
  }
}

export function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** The UTC days of an order's transitions: where analytics counted its final fact. */
export function daysOf(order: OrderRecord): string[] {
  return order.history.map((h) => h.at.slice(0, 10));
}

export function statusesOf(order: OrderRecord): string[] {
  return order.history.map((h) => h.status);
}
