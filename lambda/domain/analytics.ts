import { createHash } from 'node:crypto';
import { ORDER_FULFILLED, PAYMENT_SUCCEEDED } from '../contracts';
import type { IncomingEvent } from './events';
import type {
  AnalyticsKey,
  AnalyticsRepository,
  AnalyticsWrite,
  AnalyticsWriteResult,
  CounterUpdate,
  Logger,
} from './ports';

/**
 * Daily aggregates counted exactly once per fact: every write puts a seen-marker per event (keyed by
 * its idempotency key) in the same transaction as the counter increments, so a redelivered or
 * republished event finds its marker and adds nothing.
 */

export type AnalyticsOutcome =
  | { readonly status: 'counted' }
  | { readonly status: 'duplicate' }
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

/** Counter attribute names: readers sum them over the shards of a day. */
export const countAttribute = (detailType: string): string => `count_${detailType}`;
export const revenueAttribute = (currency: string): string => `revenue_${currency}`;
export const UNITS_ATTRIBUTE = 'units';

/** Spreads one day's writes over `shards` partition keys; stable, so an order always lands on one shard. */
export function shardOf(orderId: string, shards: number): number {
  return createHash('sha256').update(orderId).digest().readUInt32BE(0) % shards;
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

/** What one event adds: its count on the day, revenue from payments, units and revenue per fulfilled product. */
export function contributionsOf(event: IncomingEvent, shards: number): CounterUpdate[] {
  const { metadata } = event.detail;
  const day = dayOf(metadata.occurredAt);
  const shard = shardOf(metadata.correlationId, shards);
  const totals: Record<string, number> = { [countAttribute(event.detailType)]: 1 };
  const updates: CounterUpdate[] = [];
  if (event.detailType === PAYMENT_SUCCEEDED) {
    totals[revenueAttribute(event.detail.data.currency)] = event.detail.data.totalAmount;
  }
  if (event.detailType === ORDER_FULFILLED) {
    const { lines, currency } = event.detail.data;
    for (const line of lines) {
      updates.push({
        key: { kind: 'product-day', productId: line.productId, day, shard },
        add: {
          [UNITS_ATTRIBUTE]: line.quantity,
          [revenueAttribute(currency)]: line.quantity * line.unitPrice,
        },
      });
    }
  }
  return [{ key: { kind: 'day-totals', day, shard }, add: totals }, ...updates];
}

export function keyId(key: AnalyticsKey): string {
  return key.kind === 'day-totals'
    ? `day-totals|${key.day}|${key.shard}`
    : `product-day|${key.productId}|${key.day}|${key.shard}`;
}

/** Sums the increments per item: a transaction may touch each item only once. */
export function mergeCounters(updates: readonly CounterUpdate[]): CounterUpdate[] {
  const merged = new Map<string, { key: AnalyticsKey; add: Record<string, number> }>();
  for (const update of updates) {
    const id = keyId(update.key);
    const target = merged.get(id) ?? { key: update.key, add: {} };
    for (const [attribute, amount] of Object.entries(update.add)) {
      target.add[attribute] = (target.add[attribute] ?? 0) + amount;
    }
    merged.set(id, target);
  }
  return [...merged.values()];
}

interface Counted {
  readonly event: IncomingEvent;
  readonly counters: readonly CounterUpdate[];
}

/** Groups events into writes of at most `maxItems` items (one marker per event + distinct counter items). */
export function planWrites(items: readonly Counted[], maxItems: number): Counted[][] {
  const writes: Counted[][] = [];
  let current: Counted[] = [];
  let keys = new Set<string>();
  for (const item of items) {
    const itemKeys = new Set(item.counters.map((c) => keyId(c.key)));
    const added = [...itemKeys].filter((id) => !keys.has(id)).length;
    if (current.length > 0 && current.length + keys.size + 1 + added > maxItems) {
      writes.push(current);
      current = [];
      keys = new Set();
    }
    current.push(item);
    for (const id of itemKeys) keys.add(id);
  }
  if (current.length > 0) writes.push(current);
  return writes;
}

function writeOf(items: readonly Counted[]): AnalyticsWrite {
  return {
    markers: items.map(({ event }) => ({
      idempotencyKey: event.detail.metadata.idempotencyKey,
      eventId: event.detail.metadata.eventId,
      detailType: event.detailType,
    })),
    counters: mergeCounters(items.flatMap((item) => item.counters)),
  };
}

/**
 * Counts a batch of events. Returns the outcome per idempotency key: events sharing a key are one fact,
 * counted once, and share its outcome. Writes go in as few transactions as fit; if one is refused
 * because some of its events were already counted (or it collided), its events are retried one by one
 * so the duplicates are skipped and the rest still count.
 */
export async function recordAnalytics(
  events: readonly IncomingEvent[],
  deps: AnalyticsDeps,
): Promise<Map<string, AnalyticsOutcome>> {
  const outcomes = new Map<string, AnalyticsOutcome>();
  const unique = new Map<string, Counted>();
  for (const event of events) {
    const key = event.detail.metadata.idempotencyKey;
    if (!unique.has(key)) unique.set(key, { event, counters: contributionsOf(event, deps.shards) });
  }

  // Sequential on purpose: parallel writes of one batch would collide on the same day-total items.
  for (const items of planWrites([...unique.values()], deps.maxItemsPerWrite)) {
    let result: AnalyticsWriteResult;
    try {
      result = await deps.repository.apply(writeOf(items));
    } catch (error) {
      for (const { event } of items)
        outcomes.set(event.detail.metadata.idempotencyKey, { status: 'failed', error });
      continue;
    }
    if (result === 'applied') {
      for (const { event } of items)
        outcomes.set(event.detail.metadata.idempotencyKey, { status: 'counted' });
      continue;
    }
    deps.logger.info('analytics write refused; counting its events one by one', {
      result,
      events: items.length,
    });
    for (const item of items) {
      const key = item.event.detail.metadata.idempotencyKey;
      outcomes.set(key, await applyOne(item, deps));
    }
  }
  return outcomes;
}

async function applyOne(item: Counted, deps: AnalyticsDeps): Promise<AnalyticsOutcome> {
  const key = item.event.detail.metadata.idempotencyKey;
  try {
    const result = await deps.repository.apply(writeOf([item]));
    if (result === 'applied') return { status: 'counted' };
    if (result === 'already-seen') return { status: 'duplicate' };
    return { status: 'failed', error: new AnalyticsConflictError(key) };
  } catch (error) {
    return { status: 'failed', error };
  }
}
