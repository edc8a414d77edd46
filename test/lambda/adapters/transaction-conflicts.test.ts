import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { metrics } from '../../../lambda/adapters/observability';
import { writeRetryingConflicts } from '../../../lambda/adapters/transaction-conflicts';
import { TRANSACTION_CONFLICT_MAX_ATTEMPTS } from '../../../lambda/shared/limits';
import { conditionFailed, throttled, transactionCancelled } from '../support/aws-mocks';
import { AMPLE_MS, SPENT_MS, scriptedBudget } from '../support/time-budget';

const conflict = () => transactionCancelled('None', 'TransactionConflict', 'None');

/** A write that fails with each of `errors` in turn, then succeeds. */
function writeFailing(...errors: Error[]) {
  return jest.fn(async () => {
    const error = errors.shift();
    if (error) throw error;
    return 'written';
  });
}

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('writeRetryingConflicts', () => {
  it('GIVEN a transaction conflict, then success WHEN written THEN it writes once more and logs the retry with ids only', async () => {
    const write = writeFailing(conflict());
    const budget = scriptedBudget(AMPLE_MS);
    const retries = jest.spyOn(metrics, 'addMetric');

    await expect(writeRetryingConflicts(write, budget, { orderId: 'order-1' })).resolves.toBe('written');

    expect(write).toHaveBeenCalledTimes(2);
    expect(budget.logger.info).toHaveBeenCalledWith('transaction conflict: retrying', {
      attempt: 2,
      orderId: 'order-1',
    });
    expect(retries).toHaveBeenCalledWith('TransactionConflictRetries', 'Count', 1);
  });

  it('fails with the conflict once the time budget is spent: GIVEN time for two retries WHEN conflicts persist THEN it writes three times', async () => {
    const write = writeFailing(conflict(), conflict(), conflict(), conflict());
    const budget = scriptedBudget(AMPLE_MS, AMPLE_MS, SPENT_MS);

    await expect(writeRetryingConflicts(write, budget)).rejects.toThrow('Transaction cancelled');

    expect(write).toHaveBeenCalledTimes(3);
    expect(budget.logger.warn).toHaveBeenCalledWith(
      'transaction conflict: giving up',
      expect.objectContaining({ attempts: 3, remainingTimeMs: SPENT_MS }),
    );
  });

  it(`fails after ${TRANSACTION_CONFLICT_MAX_ATTEMPTS} attempts however much time is left`, async () => {
    jest.useFakeTimers();
    const write = writeFailing(...Array.from({ length: 20 }, conflict));

    const result = writeRetryingConflicts(write, scriptedBudget(AMPLE_MS));
    const settled = expect(result).rejects.toThrow('Transaction cancelled');
    await jest.runAllTimersAsync();
    await settled;

    expect(write).toHaveBeenCalledTimes(TRANSACTION_CONFLICT_MAX_ATTEMPTS);
  });

  it.each([
    ['a failed condition', conditionFailed()],
    [
      'a failed condition beside a conflict',
      transactionCancelled('ConditionalCheckFailed', 'TransactionConflict'),
    ],
    ['throttling inside the transaction', transactionCancelled('None', 'ThrottlingError')],
    ['a throttled request (the SDK retried it already)', throttled()],
  ])('fails at once, never retrying, for %s', async (_, error) => {
    const write = writeFailing(error);
    const budget = scriptedBudget(AMPLE_MS);

    await expect(writeRetryingConflicts(write, budget)).rejects.toBe(error);

    expect(write).toHaveBeenCalledTimes(1);
    expect(budget.logger.info).not.toHaveBeenCalled();
  });

  it('GIVEN no time budget (no Lambda context) WHEN a conflict occurs THEN it fails at once', async () => {
    const write = writeFailing(conflict());
    await expect(writeRetryingConflicts(write, undefined)).rejects.toThrow('Transaction cancelled');
    expect(write).toHaveBeenCalledTimes(1);
  });
});
