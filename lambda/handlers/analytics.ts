import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoAnalyticsRepository } from '../adapters/analytics-repository';
import { dynamoDbDocumentClient } from '../adapters/aws-clients';
import { envVar, readEnv, refuseFaultRulesInProduction, STAGE_ENV } from '../adapters/env';
import { InvalidRecordError, type ParsedRecord, parseEventRecord } from '../adapters/event-record';
import { logRecordFailure, recordLogKeys } from '../adapters/event-record-handler';
import { logger, metrics, withObservability } from '../adapters/observability';
import { systemClock } from '../adapters/system';
import { EVENT_CONTRACTS } from '../contracts';
import { MAX_TRANSACT_ITEMS } from '../contracts/limits';
import { type AnalyticsOutcome, occursInTheFuture, recordAnalytics } from '../domain/analytics';

const config = readEnv({
  ...STAGE_ENV,
  ANALYTICS_TABLE: envVar.string,
  ANALYTICS_SHARDS: envVar.positiveInt,
  SEEN_MARKER_TTL_DAYS: envVar.positiveInt,
});
// Analytics injects no faults, but fault rules on a production function mean its stack is wrong.
refuseFaultRulesInProduction(config);
const client = dynamoDbDocumentClient();
const repositoryOptions = {
  tableName: config.ANALYTICS_TABLE,
  seenMarkerTtlDays: config.SEEN_MARKER_TTL_DAYS,
  clock: systemClock,
};
const processor = new BatchProcessor(EventType.SQS);

/**
 * Counts the batch as a whole (few transactions instead of one per record), then lets Powertools
 * report each record by its own outcome: invalid, failed, counted, or already counted.
 */
export const handler = withObservability(
  { stage: config.STAGE },
  async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const parsed = new Map<string, Parsed>();
    for (const record of Array.isArray(event.Records) ? event.Records : []) {
      parsed.set(record.messageId, parse(record));
    }
    const valid = [...parsed.values()].flatMap((p) => (p.ok ? [p.event] : []));
    // Per invocation: transaction conflicts are retried within this invocation's remaining time.
    const repository = new DynamoAnalyticsRepository(client, {
      ...repositoryOptions,
      conflicts: { remainingTimeMs: () => context.getRemainingTimeInMillis(), logger },
    });
    const outcomes = await recordAnalytics(valid, {
      repository,
      shards: config.ANALYTICS_SHARDS,
      maxItemsPerWrite: MAX_TRANSACT_ITEMS,
      logger,
    });

    const settle = async (record: SQSRecord): Promise<void> => {
      const log = logger.createChild({ persistentKeys: { messageId: record.messageId } });
      const result = parsed.get(record.messageId) ?? parse(record);
      if (!result.ok) {
        logRecordFailure(result.error, log);
        throw result.error;
      }
      log.appendPersistentKeys(recordLogKeys(result.event));
      const outcome: AnalyticsOutcome = outcomes.get(result.event.detail.metadata.idempotencyKey) ?? {
        status: 'failed',
        error: new Error('event was not counted'),
      };
      if (outcome.status === 'failed') {
        logRecordFailure(outcome.error, log);
        throw outcome.error;
      }
      metrics.addMetric(
        outcome.status === 'counted' ? 'EventsCounted' : 'DuplicateDeliveries',
        MetricUnit.Count,
        1,
      );
    };
    // When every record fails, each is still reported: a throw would count as a function error and make
    // Lambda back off polling the queue (docs/runbook.md#function-errors).
    return processPartialResponse(event, settle, processor, { context, throwOnFullBatchFailure: false });
  },
);

type Parsed =
  | { readonly ok: true; readonly event: ParsedRecord }
  | { readonly ok: false; readonly error: unknown };

/**
 * Only events from the rightful producer of their detail type parse (parseEventRecord checks the source),
 * and none dated in the future: such a record fails like any invalid one and rests in the DLQ.
 */
function parse(record: SQSRecord): Parsed {
  try {
    const event = parseEventRecord(record, EVENT_CONTRACTS);
    if (occursInTheFuture(event.detail.metadata.occurredAt, systemClock.now())) {
      throw new InvalidRecordError(event.messageId, [
        { path: 'detail.metadata.occurredAt', code: 'in_the_future' },
      ]);
    }
    return { ok: true, event };
  } catch (error) {
    return { ok: false, error };
  }
}
