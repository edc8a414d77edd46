import { createHash } from 'node:crypto';
import { FINAL_EVENT_CONTRACTS, type FinalDetailType, ORDER_FULFILLED } from '../contracts';
import type { IncomingEvent } from './events';
import type {
  AnalyticsRepository,
  AnalyticsWrite,
  AnalyticsWriteResult,
  CounterTarget,
  CounterUpdate,
  Logger,
} from './ports';

/**
 * Daily outcomes and per-product sales, counted from the one fact that ends each order (OrderFulfilled,
 * OrderRejected, OutOfStock or OrderCancelled) and exactly once per fact: every write puts a seen-marker
 * per fact (keyed by its idempotency key) in the same transaction as the counter increments, so a
 * redelivered, republished or replayed fact finds its marker and adds nothing. The facts of a batch share
 * one transaction and one shard, so a batch of n orders updates one day-total item, not n
 * (docs/adr/0004-analytics-from-final-facts.md).
 */

export type AnalyticsOutcome =
  | { readonly status: 'counted' }
  | { readonly status: 'duplicate' }
  /** A pipeline event that ends no order: analytics does not count it (its rule does not route it). */
  | { readonly status: 'not-counted' }
  | { readonly status: 'failed'; readonly error: unknown };

export interface AnalyticsDeps {
  readonly repository: AnalyticsRepository;
  readonly shards: number;
  /** Items one write may hold (markers + counter items): MAX_TRANSACT_ITEMS. */
  readonly maxItemsPerWrite: number;
  readonly logger: Logger;
}

export class AnalyticsConflictError extends Error {
  override readonly name = 'AnalyticsConflictError';
  constructor(readonly idempotencyKey: string) {
    super(`analytics write for ${idempotencyKey} collided with a concurrent write; retrying`);
  }
}

/** The detail types analytics counts: the final facts, one per order. */
export const COUNTED_DETAIL_TYPES: readonly FinalDetailType[] = FINAL_EVENT_CONTRACTS.map(
  (c) => c.detailType,
);

export function isCounted(event: IncomingEvent): boolean {
  return (COUNTED_DETAIL_TYPES as readonly string[]).includes(event.detailType);
}

/** Counter attribute names: readers sum them over the shards of a day. */
export const countAttribute = (detailType: string): string => `count_${detailType}`;
export const revenueAttribute = (currency: string): string => `revenue_${currency}`;
export const UNITS_ATTRIBUTE = 'units';

/** A stable shard in [0, shards) for `key`: the same batch always picks the same one. */
export function shardOf(key: string, shards: number): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % shards;
}

/**
 * How far ahead of this function's clock a fact's occurrence time may be. Producers stamp events with
 * their own Lambda clock, which AWS keeps in sync to well under a second; minutes ahead means a forged
 * or broken timestamp, which would otherwise book the fact on a day that has not come yet.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** The fact claims to have happened more than MAX_CLOCK_SKEW_MS after `now`. */
export function occursInTheFuture(occurredAt: string, now: Date): boolean {
  return new Date(occurredAt).getTime() - now.getTime() > MAX_CLOCK_SKEW_MS;
}

/** UTC day of the fact (not of its delivery), so a replay lands on the same day. */
export function dayOf(occurredAt: string): string {
  return new Date(occurredAt).toISOString().slice(0, 10);
}

/** An increment of one counter target, before a write gives it its shard. */
export interface Contribution {
  readonly target: CounterTarget;
  readonly add: Readonly<Record<string, number>>;
}

/**
 * What one final fact adds: its outcome on the day and, for a fulfilment, the order's revenue and each
 * product's units and revenue. The amounts are the order's as fulfil-order stored them: only its source
 * may state OrderFulfilled (docs/security.md), and it builds the event from the stored order.
 */
export function contributionsOf(event: IncomingEvent): Contribution[] {
  const day = dayOf(event.detail.metadata.occurredAt);
  const totals: Record<string, number> = { [countAttribute(event.detailType)]: 1 };
  const products: Contribution[] = [];
  if (event.detailType === ORDER_FULFILLED) {
    const { lines, currency, totalAmount } = event.detail.data;
    totals[revenueAttribute(currency)] = totalAmount;
    for (const line of lines) {
      products.push({
        target: { kind: 'product-day', productId: line.productId, day },
        add: {
          [UNITS_ATTRIBUTE]: line.quantity,
          [revenueAttribute(currency)]: line.quantity * line.unitPrice,
        },
      });
    }
  }
  return [{ target: { kind: 'day-totals', day }, add: totals }, ...products];
}

export function targetId(target: CounterTarget): string {
  return target.kind === 'day-totals'
    ? `day-totals|${target.day}`
    : `product-day|${target.productId}|${target.day}`;
}

/** Sums the increments per target on `shard`: a transaction may touch each item only once. */
export function countersOf(contributions: readonly Contribution[], shard: number): CounterUpdate[] {
  const merged = new Map<string, { target: CounterTarget; add: Record<string, number> }>();
  for (const { target, add } of contributions) {
    const id = targetId(target);
    const sum = merged.get(id) ?? { target, add: {} };
    for (const [attribute, amount] of Object.entries(add)) {
      sum.add[attribute] = (sum.add[attribute] ?? 0) + amount;
    }
    merged.set(id, sum);
  }
  return [...merged.values()].map(({ target, add }) => ({ key: { ...target, shard }, add }));
}

export interface Fact {
  readonly event: IncomingEvent;
  readonly contributions: readonly Contribution[];
}

/** Groups facts into writes of at most `maxItems` items (one marker per fact + distinct counter targets). */
export function planWrites(facts: readonly Fact[], maxItems: number): Fact[][] {
  const writes: Fact[][] = [];
  let current: Fact[] = [];
  let targets = new Set<string>();
  for (const fact of facts) {
    const own = new Set(fact.contributions.map((c) => targetId(c.target)));
    const added = [...own].filter((id) => !targets.has(id)).length;
    if (current.length > 0 && current.length + targets.size + 1 + added > maxItems) {
      writes.push(current);
      current = [];
      targets = new Set();
    }
    current.push(fact);
    for (const id of own) targets.add(id);
  }
  if (current.length > 0) writes.push(current);
  return writes;
}

const keyOf = (fact: Fact): string => fact.event.detail.metadata.idempotencyKey;

/**
 * One transaction: a marker per fact, and the facts' increments summed on one shard. The shard follows
 * from the first fact, so a retry of the same write touches the same items; which shard does not matter
 * to the totals (readers sum the shards), and two concurrent batches collide on a day total only when
 * they pick the same one.
 */
export function writeOf(facts: readonly Fact[], shards: number): AnalyticsWrite {
  const [first] = facts;
  const shard = first === undefined ? 0 : shardOf(keyOf(first), shards);
  return {
    markers: facts.map(({ event }) => ({
      idempotencyKey: event.detail.metadata.idempotencyKey,
      eventId: event.detail.metadata.eventId,
      detailType: event.detailType,
    })),
    counters: countersOf(
      facts.flatMap((fact) => fact.contributions),
      shard,
    ),
  };
}

/**
 * Counts a batch of events. Returns the outcome per idempotency key: events sharing a key are one fact,
 * counted once, and share its outcome. Events that end no order are not counted. Writes go in as few
 * transactions as fit. A transaction refused because some facts were counted already names them: they
 * are duplicates, and the rest is written again in one transaction (a replayed batch costs one refused
 * write, not one per fact). One still colliding once its retries are spent is written fact by fact, so
 * only the facts that keep colliding fail.
 */
export async function recordAnalytics(
  events: readonly IncomingEvent[],
  deps: AnalyticsDeps,
): Promise<Map<string, AnalyticsOutcome>> {
  const outcomes = new Map<string, AnalyticsOutcome>();
  const unique = new Map<string, Fact>();
  for (const event of events) {
    const key = event.detail.metadata.idempotencyKey;
    if (!isCounted(event)) outcomes.set(key, { status: 'not-counted' });
    else if (!unique.has(key)) unique.set(key, { event, contributions: contributionsOf(event) });
  }

  // Sequential on purpose: parallel writes of one batch would collide on the same day-total items.
  for (const facts of planWrites([...unique.values()], deps.maxItemsPerWrite)) {
    await writeFacts(facts, deps, outcomes);
  }
  return outcomes;
}

async function writeFacts(
  facts: readonly Fact[],
  deps: AnalyticsDeps,
  outcomes: Map<string, AnalyticsOutcome>,
): Promise<void> {
  let pending = facts;
  // Each refusal removes at least one fact, so this ends.
  while (pending.length > 0) {
    let result: AnalyticsWriteResult;
    try {
      result = await deps.repository.apply(writeOf(pending, deps.shards));
    } catch (error) {
      for (const fact of pending) outcomes.set(keyOf(fact), { status: 'failed', error });
      return;
    }
    if (result.status === 'applied') {
      for (const fact of pending) outcomes.set(keyOf(fact), { status: 'counted' });
      return;
    }
    if (result.status === 'already-seen' && result.seen.length > 0) {
      const seen = new Set(result.seen);
      for (const fact of pending)
        if (seen.has(keyOf(fact))) outcomes.set(keyOf(fact), { status: 'duplicate' });
      deps.logger.info('analytics facts already counted; writing the others again', {
        duplicates: seen.size,
        others: pending.length - seen.size,
      });
      pending = pending.filter((fact) => !seen.has(keyOf(fact)));
      continue;
    }
    deps.logger.info('analytics write refused; counting its events one by one', {
      result: result.status,
      events: pending.length,
    });
    for (const fact of pending) outcomes.set(keyOf(fact), await applyOne(fact, deps));
    return;
  }
}

async function applyOne(fact: Fact, deps: AnalyticsDeps): Promise<AnalyticsOutcome> {
  try {
    const result = await deps.repository.apply(writeOf([fact], deps.shards));
    if (result.status === 'applied') return { status: 'counted' };
    if (result.status === 'already-seen') return { status: 'duplicate' };
    return { status: 'failed', error: new AnalyticsConflictError(keyOf(fact)) };
  } catch (error) {
    return { status: 'failed', error };
  }
}
