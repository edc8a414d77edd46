import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type {
  AnalyticsKey,
  AnalyticsRepository,
  AnalyticsWrite,
  AnalyticsWriteResult,
  Clock,
} from '../domain/ports';
import { cancellationCodes } from './dynamodb-errors';
import { type ConflictRetryBudget, writeRetryingConflicts } from './transaction-conflicts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Analytics table keys (`pk`, `sk`), as docs/design.md defines them. */
export function analyticsKey(key: AnalyticsKey): { pk: string; sk: string } {
  return key.kind === 'day-totals'
    ? { pk: `DAY#${key.day}#${key.shard}`, sk: 'TOTALS' }
    : { pk: `PRODUCT#${key.productId}#${key.shard}`, sk: `DAY#${key.day}` };
}

export const seenMarkerKey = (idempotencyKey: string) => ({ pk: `EVENT#${idempotencyKey}`, sk: 'SEEN' });

/** Name of the table's TTL attribute (epoch seconds) on seen-markers. */
export const TTL_ATTRIBUTE = 'ttl';

export interface AnalyticsRepositoryOptions {
  readonly tableName: string;
  /** SEEN_MARKER_TTL_DAYS: longer than the archive retention, so a replay still finds its markers. */
  readonly seenMarkerTtlDays: number;
  readonly clock: Clock;
  /**
   * The invocation the writes run in, to retry transaction conflicts within its time.
   * @default - none: a conflict is reported at once
   */
  readonly conflicts?: ConflictRetryBudget;
}

export class DynamoAnalyticsRepository implements AnalyticsRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: AnalyticsRepositoryOptions,
  ) {}

  async apply(write: AnalyticsWrite): Promise<AnalyticsWriteResult> {
    const { tableName, seenMarkerTtlDays, clock, conflicts } = this.options;
    const now = clock.now();
    const ttl = Math.floor(now.getTime() / 1000) + seenMarkerTtlDays * 86_400;
    const items: TransactItem[] = [
      ...write.markers.map(
        (marker): TransactItem => ({
          Put: {
            TableName: tableName,
            Item: {
              ...seenMarkerKey(marker.idempotencyKey),
              eventId: marker.eventId,
              detailType: marker.detailType,
              seenAt: now.toISOString(),
              [TTL_ATTRIBUTE]: ttl,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        }),
      ),
      ...write.counters.map((counter): TransactItem => {
        const attributes = Object.entries(counter.add);
        return {
          Update: {
            TableName: tableName,
            Key: analyticsKey(counter.key),
            UpdateExpression: `ADD ${attributes.map((_, i) => `#a${i} :v${i}`).join(', ')}`,
            ExpressionAttributeNames: Object.fromEntries(attributes.map(([name], i) => [`#a${i}`, name])),
            ExpressionAttributeValues: Object.fromEntries(
              attributes.map(([, value], i) => [`:v${i}`, value]),
            ),
          },
        };
      }),
    ];
    try {
      await writeRetryingConflicts(
        () => this.client.send(new TransactWriteCommand({ TransactItems: items })),
        conflicts,
        { idempotencyKeys: write.markers.map((marker) => marker.idempotencyKey) },
      );
      return { status: 'applied' };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes === undefined) throw error;
      // The reasons are positional: the markers come first, in the order of write.markers.
      const seen = write.markers
        .filter((_, i) => codes[i] === 'ConditionalCheckFailed')
        .map((marker) => marker.idempotencyKey);
      if (seen.length > 0) return { status: 'already-seen', seen };
      // Still colliding once the invocation's time for retries is spent.
      if (codes.every((code) => code === 'None' || code === 'TransactionConflict'))
        return { status: 'conflict' };
      throw error;
    }
  }
}
