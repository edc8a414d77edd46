import { jest } from '@jest/globals';
import type { ConflictRetryBudget } from '../../../lambda/adapters/transaction-conflicts';
import { TRANSACTION_CONFLICT_TIME_RESERVE_MS } from '../../../lambda/shared/limits';

/** Time left that allows a retry after any wait (the waits are capped at a second). */
export const AMPLE_MS = TRANSACTION_CONFLICT_TIME_RESERVE_MS + 60_000;
/** Time left that allows no retry at all. */
export const SPENT_MS = TRANSACTION_CONFLICT_TIME_RESERVE_MS - 1;

/**
 * A time budget that reports the given remaining times in turn (the last one from then on), with a
 * logger that records what the retries log: the number of retries follows from the script alone.
 */
export function scriptedBudget(...remaining: number[]): ConflictRetryBudget & {
  readonly logger: { [K in 'debug' | 'info' | 'warn' | 'error']: ReturnType<typeof jest.fn> };
} {
  let call = 0;
  return {
    remainingTimeMs: () => remaining[Math.min(call++, remaining.length - 1)] ?? 0,
    logger: { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() },
  };
}
