import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { AnyContract } from '../contracts';
import { type AnalyticsDeps, type AnalyticsOutcome, occursInTheFuture } from '../domain/analytics';
import type { IncomingEvent } from '../domain/events';
import { FUNCTION_ENVIRONMENTS } from '../shared/environments';
import { MAX_TRANSACT_ITEMS } from '../shared/limits';
import { DynamoAnalyticsRepository } from './analytics-repository';
import { dynamoDbDocumentClient } from './aws-clients';
import { readEnv, refuseFaultRulesInProduction } from './env';
import { InvalidRecordError, type ParsedRecord, parseEventRecord } from './event-record';
import { logRecordFailure, recordLogKeys } from './event-record-handler';
import { logger, metrics, withObservability } from './observability';
import { systemClock } from './system';

export interface AnalyticsHandlerOptions {
  /**
   * The events it parses, each from its producer's source only; the domain decides which it counts.
   * Parsing more than its rule routes lets an event the rule no longer matches (one queued before a
   * change of the rule) be acknowledged instead of failing into the DLQ.
   */
  readonly accepts: readonly AnyContract[];
  /** The domain function that counts a batch: outcome per idempotency key. */
  readonly count: (
    events: readonly IncomingEvent[],
    deps: AnalyticsDeps,
  ) => Promise<ReadonlyMap<string, AnalyticsOutcome>>;
}

/** The metric each acknowledged record adds. */
const OUTCOME_METRICS = {
  counted: 'EventsCounted',
  duplicate: 'DuplicateDeliveries',
  'not-counted': 'EventsNotCounted',
} as const satisfies Record<Exclude<AnalyticsOutcome['status'], 'failed'>, string>;

type Parsed =
  | { readonly ok: true; readonly event: ParsedRecord }
  | { readonly ok: false; readonly error: unknown };

/**
 * The Lambda handler of analytics. Counts the batch as a whole (few transactions instead of one per
 * record), then lets Powertools report each record by its own outcome: invalid, failed, counted, or
 * already counted.
 */
export function analyticsHandler(
  options: AnalyticsHandlerOptions,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const config = readEnv(FUNCTION_ENVIRONMENTS.analytics);
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
   * Only events from the rightful producer of their detail type parse (parseEventRecord checks the
   * source), and none dated in the future: such a record fails like any invalid one and rests in the DLQ.
   */
  const parse = (record: SQSRecord): Parsed => {
    try {
      const event = parseEventRecord(record, options.accepts);
      if (occursInTheFuture(event.detail.metadata.occurredAt, systemClock.now())) {
        throw new InvalidRecordError(event.messageId, [
          { path: 'detail.metadata.occurredAt', code: 'in_the_future' },
        ]);
      }
      return { ok: true, event };
    } catch (error) {
      return { ok: false, error };
    }
  };

  return withObservability(
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
      const outcomes = await options.count(valid, {
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
        metrics.addMetric(OUTCOME_METRICS[outcome.status], MetricUnit.Count, 1);
      };
      // When every record fails, each is still reported: a throw would count as a function error and make
      // Lambda back off polling the queue (docs/runbook.md#function-errors).
      return processPartialResponse(event, settle, processor, { context, throwOnFullBatchFailure: false });
    },
  );
}
