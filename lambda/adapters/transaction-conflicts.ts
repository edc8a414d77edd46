import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { backOff } from 'exponential-backoff';
import type { Logger } from '../domain/ports';
import {
  TRANSACTION_CONFLICT_BASE_DELAY_MS,
  TRANSACTION_CONFLICT_MAX_ATTEMPTS,
  TRANSACTION_CONFLICT_MAX_DELAY_MS,
  TRANSACTION_CONFLICT_TIME_RESERVE_MS,
} from '../shared/limits';
import { isTransactionConflict } from './dynamodb-errors';
import { metrics } from './observability';

/** The invocation a write runs in: how long it has left, and where its retries are logged. */
export interface ConflictRetryBudget {
  /** Milliseconds the invocation has left: the Lambda context's getRemainingTimeInMillis. */
  readonly remainingTimeMs: () => number;
  /** Carries the record's identifiers; the retry lines add identifiers only. */
  readonly logger: Logger;
}

/**
 * Runs a TransactWriteItems and, while DynamoDB cancels it for a TransactionConflict (and no failed
 * condition), runs it again after a full-jitter exponential backoff (exponential-backoff: a small
 * CommonJS package; the SDK's own retry strategy does not retry this error). A retry starts only if the
 * invocation still has TRANSACTION_CONFLICT_TIME_RESERVE_MS left after the longest wait it may draw;
 * otherwise the last error is thrown and the record fails as before, to be redelivered by SQS.
 *
 * Without a budget (no Lambda context to measure time against) the write runs once.
 */
export function writeRetryingConflicts<T>(
  write: () => Promise<T>,
  budget: ConflictRetryBudget | undefined,
  ids: Readonly<Record<string, unknown>> = {},
): Promise<T> {
  if (budget === undefined) return write();
  return backOff(write, {
    jitter: 'full',
    startingDelay: TRANSACTION_CONFLICT_BASE_DELAY_MS,
    timeMultiple: 2,
    maxDelay: TRANSACTION_CONFLICT_MAX_DELAY_MS,
    numOfAttempts: TRANSACTION_CONFLICT_MAX_ATTEMPTS,
    retry: (error: unknown, failures: number) => {
      if (!isTransactionConflict(error)) return false;
      const longestWaitMs = Math.min(
        TRANSACTION_CONFLICT_MAX_DELAY_MS,
        TRANSACTION_CONFLICT_BASE_DELAY_MS * 2 ** (failures - 1),
      );
      const remainingTimeMs = budget.remainingTimeMs();
      if (
        failures >= TRANSACTION_CONFLICT_MAX_ATTEMPTS ||
        remainingTimeMs - longestWaitMs < TRANSACTION_CONFLICT_TIME_RESERVE_MS
      ) {
        budget.logger.warn('transaction conflict: giving up', {
          attempts: failures,
          remainingTimeMs,
          ...ids,
        });
        return false;
      }
      budget.logger.info('transaction conflict: retrying', { attempt: failures + 1, ...ids });
      metrics.addMetric('TransactionConflictRetries', MetricUnit.Count, 1);
      return true;
    },
  });
}
