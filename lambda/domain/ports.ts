import type { OutgoingEvent } from './events';
import type { AcceptedOrder, NewOrder, OrderRecord, ProductQuantity, Transition } from './order';

/**
 * What the steps need from the outside world. Adapters implement these against AWS; unit tests pass
 * in-memory fakes.
 */

/** `condition-failed`: the item was not in the expected state, nothing was written. */
export type WriteResult = 'applied' | 'condition-failed';

export interface OrdersRepository {
  /** Strongly consistent: the conflict path must see the write that beat it. */
  get(orderId: string): Promise<OrderRecord | undefined>;
  /** Creates the order item only if none exists. */
  create(order: NewOrder): Promise<WriteResult>;
  /**
   * Applies the transition only if the order is in `transition.from` and its outbox slot holds the event
   * `transition.causationId`.
   */
  transition(transition: Transition): Promise<WriteResult>;
}

/** What the API's functions need of the orders table. */
export interface OrderDesk {
  /** Strongly consistent. */
  get(orderId: string): Promise<OrderRecord | undefined>;
  /** Stores an accepted order (ACCEPTED, its OrderPlaced in the outbox) only if no order has its id. */
  accept(order: AcceptedOrder): Promise<WriteResult>;
}

/**
 * Stock moves only together with the order's transition, in one atomic write: the transition's condition
 * makes each move happen at most once, and the order's lines record what was taken (ADR 8).
 */
export interface InventoryRepository {
  /**
   * The order transition and a decrement of every product that must not take its stock below zero.
   * `condition-failed` when any check failed: the order moved on, or a line is short.
   */
  reserve(transition: Transition, lines: readonly ProductQuantity[]): Promise<WriteResult>;
  /**
   * The order transition and `lines` given back: the quantities `reserve` took for the same order.
   * `condition-failed` when the order moved on.
   */
  release(transition: Transition, lines: readonly ProductQuantity[]): Promise<WriteResult>;
  /**
   * Strongly consistent units available per product; unknown products are absent. Fails with
   * MalformedStockError for a stock item whose units are not a number.
   */
  getAvailable(productIds: readonly string[]): Promise<ReadonlyMap<string, number>>;
}

export interface EventPublisher {
  /** Resolves once every event was accepted by the bus; throws otherwise. */
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  /** A new random UUID for an event. */
  newEventId(): string;
}

/** Structured logging. Implementations must receive identifiers only, never payloads. */
export interface Logger {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

/** What every order step receives. */
export interface OrderStepDeps {
  readonly orders: OrdersRepository;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  /** Largest outgoing event entry. @default MAX_EVENT_BYTES */
  readonly maxEventBytes?: number;
}

/** What an analytics counter counts: a day's totals, or one product's sales on a day. */
export type CounterTarget =
  | { readonly kind: 'day-totals'; readonly day: string }
  | { readonly kind: 'product-day'; readonly productId: string; readonly day: string };

/** Analytics aggregates: one item per day shard, one per product per day shard; readers sum the shards. */
export type AnalyticsKey = CounterTarget & { readonly shard: number };

export interface CounterUpdate {
  readonly key: AnalyticsKey;
  /** Counter attribute -> amount to add. */
  readonly add: Readonly<Record<string, number>>;
}

export interface SeenMarker {
  readonly idempotencyKey: string;
  readonly eventId: string;
  readonly detailType: string;
}

/** One atomic write: every marker must be new, then every increment applies. */
export interface AnalyticsWrite {
  readonly markers: readonly SeenMarker[];
  readonly counters: readonly CounterUpdate[];
}

/**
 * `already-seen`: markers of these idempotency keys existed; `conflict`: a concurrent write touched the
 * same items. Either way nothing was applied.
 */
export type AnalyticsWriteResult =
  | { readonly status: 'applied' }
  | { readonly status: 'already-seen'; readonly seen: readonly string[] }
  | { readonly status: 'conflict' };

export interface AnalyticsRepository {
  apply(write: AnalyticsWrite): Promise<AnalyticsWriteResult>;
}
