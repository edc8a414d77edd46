import { isFinalOrderStatus } from '../../../../lambda/domain/order';
import type { DemoDriver, Redrive } from './drive';
import { OrderFeeder } from './feeder';
import { formatDuration } from './format';
import { evaluate, type Observation, type ObservedOrder, type Outcome } from './outcome';
import type { Scenario } from './scenario';

/**
 * A scenario played against a deployed pipeline as its clients would: seeds stock, places the orders
 * through the driver's door, puts the malformed event on the bus (a buggy producer on the bus is what it
 * shows), then polls the orders and the queues until everything has settled or the deadline passes,
 * and observes stock, analytics and the DLQs once more for the outcome.
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

/**
 * Seeds, places, waits, observes. Settled means every order is in a final state and every consumer
 * queue is empty (nothing visible, nothing in flight): nothing can change any more, so the malformed
 * event has reached its DLQs (or was lost, which the outcome then shows).
 */
export async function playScenario(
  driver: DemoDriver,
  scenario: Scenario,
  options: RunOptions,
): Promise<RunResult> {
  const progress = options.onProgress ?? (() => {});
  await driver.seedStock(scenario);
  progress(
    `seeded stock: ${scenario.products.map((p) => `${p.productId} ${p.initialStock}${p.scarce ? ' (scarce)' : ''}`).join(', ')}`,
  );
  const redrive = await driver.redrive('ValidateOrderQueueUrl');

  const placeStart = Date.now();
  const feeder = new OrderFeeder(driver, scenario, options.maxBacklog);
  await feeder.start();
  const acceptedAt = feeder.placedAt;
  const withMalformed = options.putMalformed ?? true;
  if (withMalformed) await driver.putMalformed(scenario.malformed);
  const placedAt = Date.now();
  const placedInMs = placedAt - placeStart;
  const kinds = new Map<string, number>();
  for (const o of scenario.orders) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
  progress(
    `placed ${acceptedAt.size} orders in ${placedInMs} ms (of ${scenario.orders.length}: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')})` +
      (withMalformed ? ` and 1 malformed event (${scenario.malformed.defect})` : '') +
      ` (orders ${driver.placedWith}` +
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
      readOrdersNow ? driver.readOrders(placedPending) : undefined,
      driver.depths(driver.targets.queues),
      driver.depths(driver.targets.deadLetterQueues),
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
  const observation = await driver.observe(scenario);
  return {
    observation,
    outcome: evaluate(scenario, observation),
    settled,
    placedInMs,
    placedAt: acceptedAt,
    orderIds: new Map(driver.orderIds),
    placeStartedAt: placeStart,
    allFinalAfterMs,
    settledAfterMs,
  };
}
