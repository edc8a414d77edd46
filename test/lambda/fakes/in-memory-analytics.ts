import { targetId } from '../../../lambda/domain/analytics';
import type {
  AnalyticsKey,
  AnalyticsRepository,
  AnalyticsWrite,
  AnalyticsWriteResult,
} from '../../../lambda/domain/ports';

const keyId = (key: AnalyticsKey): string => `${targetId(key)}|${key.shard}`;

/** The analytics table in memory: a write applies all its markers and increments, or nothing. */
export class InMemoryAnalytics implements AnalyticsRepository {
  readonly seen = new Set<string>();
  /** keyId -> attribute -> total */
  readonly counters = new Map<string, Record<string, number>>();
  readonly writes: AnalyticsWrite[] = [];
  /** Results to return instead of applying, one per call (e.g. a 'conflict'). */
  readonly scripted: (AnalyticsWriteResult | Error)[] = [];

  async apply(write: AnalyticsWrite): Promise<AnalyticsWriteResult> {
    this.writes.push(write);
    const scripted = this.scripted.shift();
    if (scripted instanceof Error) throw scripted;
    if (scripted !== undefined && scripted.status !== 'applied') return scripted;
    const seen = write.markers.filter((m) => this.seen.has(m.idempotencyKey)).map((m) => m.idempotencyKey);
    if (seen.length > 0) return { status: 'already-seen', seen };
    for (const marker of write.markers) this.seen.add(marker.idempotencyKey);
    for (const counter of write.counters) {
      const totals = this.counters.get(keyId(counter.key)) ?? {};
      for (const [attribute, amount] of Object.entries(counter.add)) {
        totals[attribute] = (totals[attribute] ?? 0) + amount;
      }
      this.counters.set(keyId(counter.key), totals);
    }
    return { status: 'applied' };
  }

  /** A counter summed over every item of a kind, e.g. all day-total shards. */
  total(attribute: string, kind: 'day-totals' | 'product-day' = 'day-totals'): number {
    let sum = 0;
    for (const [id, totals] of this.counters) {
      if (id.startsWith(`${kind}|`)) sum += totals[attribute] ?? 0;
    }
    return sum;
  }
}
