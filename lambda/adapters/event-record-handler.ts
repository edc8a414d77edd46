import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSRecord } from 'aws-lambda';
import type { AnyContract } from '../contracts';
import type { StepResult } from '../domain/outbox';
import { InvalidRecordError, type ParsedRecord, parseEventRecord } from './event-record';
import { logger, metrics } from './observability';

export interface RecordContext {
  /** Carries the record's identifiers on every line it logs. */
  readonly logger: PowertoolsLogger;
  readonly receiveCount: number;
  /** Milliseconds the invocation has left; 0 without a Lambda context, so nothing waits to retry. */
  readonly remainingTimeMs: () => number;
}

const OUTCOME_METRIC = {
  transitioned: 'OrdersTransitioned',
  republished: 'OutboxRepublished',
  duplicate: 'DuplicateDeliveries',
  ignored: 'IgnoredEvents',
} as const;

/** Identifiers of a record and its event: all a log line may say about it. */
export function recordLogKeys(event: ParsedRecord): Record<string, string | number> {
  return {
    orderId: event.detail.metadata.correlationId,
    eventId: event.detail.metadata.eventId,
    detailType: event.detailType,
    receiveCount: event.receiveCount,
  };
}

/** Logs why a record failed (issue paths and codes for invalid ones) and counts it. The caller rethrows. */
export function logRecordFailure(error: unknown, log: PowertoolsLogger): void {
  if (error instanceof InvalidRecordError) {
    log.warn('record rejected: not a valid event for this function', { issues: error.issues });
    metrics.addMetric('InvalidRecords', MetricUnit.Count, 1);
    return;
  }
  log.error(
    'record failed: it will be redelivered, then dead-lettered after maxReceiveCount',
    error as Error,
  );
  metrics.addMetric('FailedRecords', MetricUnit.Count, 1);
}

/**
 * The record handler of an order step for Powertools' BatchProcessor: parse the record into one of the
 * accepted contracts, run the step, log and count the outcome. Any error fails this record only.
 */
export function eventRecordHandler<const C extends readonly AnyContract[]>(options: {
  readonly accepts: C;
  readonly handle: (event: ParsedRecord<C[number]>, context: RecordContext) => Promise<StepResult>;
}): (record: SQSRecord, lambdaContext?: Context) => Promise<StepResult> {
  // Powertools' BatchProcessor passes the Lambda context given to processPartialResponse.
  return async (record, lambdaContext) => {
    // A child per record: records run in parallel, so keys appended to the shared logger would mix.
    const log = logger.createChild({ persistentKeys: { messageId: record.messageId } });
    try {
      const event = parseEventRecord(record, options.accepts);
      log.appendPersistentKeys(recordLogKeys(event));
      const result = await options.handle(event, {
        logger: log,
        receiveCount: event.receiveCount,
        remainingTimeMs: () => lambdaContext?.getRemainingTimeInMillis() ?? 0,
      });
      metrics.addMetric(OUTCOME_METRIC[result.outcome], MetricUnit.Count, 1);
      if (result.outcome === 'transitioned') metrics.addMetric(result.published, MetricUnit.Count, 1);
      return result;
    } catch (error) {
      logRecordFailure(error, log);
      throw error;
    }
  };
}
