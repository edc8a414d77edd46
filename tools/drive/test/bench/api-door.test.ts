import { describe, expect, it } from '@jest/globals';
import type { LocalFunction } from '@order-pipeline/local-cloud/lambda-runner';
import { bookingRequests, orderOfRequest } from '../../src/bench/api-door';
import { PhaseLedger } from '../../src/bench/measure';

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
