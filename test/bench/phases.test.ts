import { describe, expect, it } from '@jest/globals';
import { callerOf, crossCheck } from '../../bench/phases';

const counts = (requests: { caller: string; service: string; operation: string; count: number }[]) => ({
  requests: requests.map((r) => ({ ...r, errors: 0 })),
  dynamodb: [],
});

describe('callerOf', () => {
  it("GIVEN a function's app id with Powertools' user-agent token appended THEN the function's name", () => {
    expect(callerOf('reserve-stock-PT-NO-OP-2.36.0-PTEnv-AWS_Lambda_nodejs24.x')).toBe('reserve-stock');
    expect(callerOf('lambda-runner')).toBe('lambda-runner');
  });
});

describe('crossCheck', () => {
  it('GIVEN the same counts on both sides THEN every row matches; callers not counted are ignored', () => {
    const rows = crossCheck(
      new Map([['validate-order', { 'DynamoDB.PutItem': 3 }]]),
      counts([
        {
          caller: 'validate-order-PT-NO-OP-2.36.0-PTEnv-x',
          service: 'DynamoDB',
          operation: 'PutItem',
          count: 3,
        },
        { caller: '', service: 'S3', operation: 'PUT bucket', count: 9 },
      ]),
    );

    expect(rows).toEqual([
      { caller: 'validate-order', operation: 'DynamoDB.PutItem', counted: 3, emulator: 3 },
    ]);
  });

  it('fails the row of an operation the middleware missed or the emulator never saw', () => {
    const rows = crossCheck(
      new Map([['lambda-runner', { 'SQS.ReceiveMessage': 5 }]]),
      counts([{ caller: 'lambda-runner', service: 'SQS', operation: 'DeleteMessageBatch', count: 2 }]),
    );

    expect(rows).toEqual([
      { caller: 'lambda-runner', operation: 'SQS.DeleteMessageBatch', counted: 0, emulator: 2 },
      { caller: 'lambda-runner', operation: 'SQS.ReceiveMessage', counted: 5, emulator: 0 },
    ]);
  });
});
