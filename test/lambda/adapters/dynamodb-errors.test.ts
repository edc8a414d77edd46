import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { cancellationCodes, isConditionFailure } from '../../../lambda/adapters/dynamodb-errors';

const cancelled = (...codes: (string | undefined)[]) =>
  new TransactionCanceledException({
    message: 'cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe('isConditionFailure', () => {
  it.each([
    [
      'a conditional check failure',
      new ConditionalCheckFailedException({ message: 'x', $metadata: {} }),
      true,
    ],
    ['a transaction refused by conditions only', cancelled('None', 'ConditionalCheckFailed'), true],
    ['a transaction with a conflict too', cancelled('ConditionalCheckFailed', 'TransactionConflict'), false],
    ['a transaction cancelled without a condition failure', cancelled('None', 'ThrottlingError'), false],
    ['another error', new Error('ConditionalCheckFailed'), false],
  ])('GIVEN %s WHEN classified THEN it is a condition failure: %s', (_, error, expected) => {
    expect(isConditionFailure(error)).toBe(expected);
  });
});

describe('cancellationCodes', () => {
  it('GIVEN reasons without a code WHEN read THEN they count as None; other errors have no codes', () => {
    expect(cancellationCodes(cancelled(undefined, 'ConditionalCheckFailed'))).toEqual([
      'None',
      'ConditionalCheckFailed',
    ]);
    expect(cancellationCodes(new Error('x'))).toBeUndefined();
  });
});
