import { describe, expect, it } from '@jest/globals';
import { callerOf, callsByCaller } from '../../src/bench/callers';

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

describe('callsByCaller', () => {
  it('GIVEN requests the emulator served THEN they are summed per caller and Service.Operation', () => {
    const calls = callsByCaller(
      counts([
        {
          caller: 'validate-order-PT-NO-OP-2.36.0-PTEnv-x',
          service: 'DynamoDB',
          operation: 'PutItem',
          count: 3,
        },
        {
          caller: 'validate-order-PT-NO-OP-2.36.0-PTEnv-y',
          service: 'DynamoDB',
          operation: 'PutItem',
          count: 2,
        },
        { caller: 'lambda-runner', service: 'SQS', operation: 'ReceiveMessage', count: 5 },
        { caller: '', service: 'S3', operation: 'PUT bucket', count: 9 },
      ]),
    );

    expect(Object.fromEntries(calls)).toEqual({
      'validate-order': { 'DynamoDB.PutItem': 5 },
      'lambda-runner': { 'SQS.ReceiveMessage': 5 },
      '': { 'S3.PUT bucket': 9 },
    });
  });
});
