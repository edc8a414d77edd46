import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/** Per-action codes of a cancelled transaction, in the order of its actions ('None' = that action was fine). */
export function cancellationCodes(error: unknown): string[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

/** The write was refused only by its conditions: the items are not in the state the write expects. */
export function isConditionFailure(error: unknown): boolean {
  if (error instanceof ConditionalCheckFailedException) return true;
  const codes = cancellationCodes(error) ?? [];
  return (
    codes.includes('ConditionalCheckFailed') &&
    codes.every((code) => code === 'None' || code === 'ConditionalCheckFailed')
  );
}

/**
 * The transaction collided with another request on one of its items and nothing was written; trying
 * again can succeed. Not when a condition also failed: that outcome does not change by waiting.
 */
export function isTransactionConflict(error: unknown): boolean {
  const codes = cancellationCodes(error) ?? [];
  return codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');
}
