import { describe, expect, it } from '@jest/globals';
import type { LocalFunction } from '@order-pipeline/local-cloud/lambda-runner';
import { bookingRequests, orderOfRequest } from '../../src/bench/api-door';
import { PhaseLedger } from '../../src/bench/measure';
import { callerOf, callsByCaller, paceSchedule } from '../../src/bench/phases';

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

describe('orderOfRequest', () => {
  it("GIVEN a POST /orders event THEN the order is its idempotency key (the benchmark's order id)", () => {
    expect(orderOfRequest({ headers: { 'idempotency-key': 'bench-ab12-001-ok' } })).toBe('bench-ab12-001-ok');
  });

  it("GIVEN a GET /orders/{orderId} event THEN the order is the path's id (the API's)", () => {
    const event = { headers: {}, pathParameters: { orderId: '0b3f5d1e-8c2a-8a4b-9c3d-1e2f3a4b5c6d' } };
    expect(orderOfRequest(event)).toBe('0b3f5d1e-8c2a-8a4b-9c3d-1e2f3a4b5c6d');
  });

  it('fails soft on an event that names no order: none', () => {
    expect(orderOfRequest({ headers: {} })).toBeUndefined();
    expect(orderOfRequest(null)).toBeUndefined();
  });
});

describe('bookingRequests', () => {
  it('GIVEN the HTTP API invokes a function through it THEN the invocation is booked as a request about its order', async () => {
    const ledger = new PhaseLedger(
      (orderId) => (orderId === 'bench-1-ok' ? 'happyPath' : 'failures'),
      () => 1,
    );
    const invocation = {
      result: { kind: 'ok' as const, payload: '{"statusCode":202}' },
      coldStart: true,
      initMs: 250,
      durationMs: 30,
      requestId: 'r-1',
    };
    const runner = { invokeFunction: async () => invocation };
    const fn = { shortName: 'place-order' } as LocalFunction;

    const answered = await bookingRequests(runner, ledger).invokeFunction(fn, {
      headers: { 'idempotency-key': 'bench-1-ok' },
    });
    ledger.addFunctionCalls('place-order', { 'DynamoDB.PutItem': 2 });

    expect(answered).toBe(invocation);
    expect(ledger.httpApiRequests).toBe(1);
    expect(ledger.functions.get('place-order')).toMatchObject({ invocations: 1, coldStarts: 1 });
    expect(ledger.calls.happyPath['DynamoDB.PutItem']).toBe(2);
  });

  it('fails like the runner when the invocation fails, booking nothing', async () => {
    const ledger = new PhaseLedger(
      () => 'happyPath',
      () => 1,
    );
    const runner = {
      invokeFunction: async () => {
        throw new Error('the runner is stopping');
      },
    };

    await expect(
      bookingRequests(runner, ledger).invokeFunction({ shortName: 'get-order' } as LocalFunction, {}),
    ).rejects.toThrow('the runner is stopping');
    expect(ledger.httpApiRequests).toBe(0);
  });
});

describe('paceSchedule', () => {
  it('GIVEN 3 orders a second apart THEN each is due one interval after the one before', () => {
    expect(paceSchedule(10_000, 3, 1_000)).toEqual([10_000, 11_000, 12_000]);
  });

  it('GIVEN no orders THEN nothing is due', () => {
    expect(paceSchedule(10_000, 0, 1_000)).toEqual([]);
  });
});
