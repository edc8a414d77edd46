import { describe, expect, it } from '@jest/globals';
import type { InvocationReport } from '@order-pipeline/local-cloud/lambda-runner';
import { latencySummary, orderIdOf, PhaseLedger, percentile, perOrder } from '../../src/bench/measure';

/** A message body as EventBridge delivers it to a queue: the whole event, source included. */
const event = (detailType: string, detail: unknown) =>
  JSON.stringify({ version: '0', id: 'e-1', 'detail-type': detailType, source: 'orders.api', detail });

const body = (orderId: string, detailType = 'OrderPlaced') =>
  event(detailType, { data: { orderId }, metadata: { correlationId: orderId } });

/** Every detail type reaches one queue: each delivered message is one entry. */
const ONE_RULE_EACH = () => 1;

function report(overrides: Partial<InvocationReport>): InvocationReport {
  return {
    functionName: 'fn',
    shortName: 'validate-order',
    requestId: 'r',
    messageIds: [],
    receiveCounts: [],
    bodies: [],
    outcome: { kind: 'all-succeeded' },
    coldStart: false,
    durationMs: 10,
    batchingMs: 0,
    deleted: 0,
    deleteFailures: 0,
    ...overrides,
  };
}

describe('PhaseLedger', () => {
  const category = (orderId: string | undefined) => (orderId?.endsWith('-ok') ? 'happyPath' : 'failures');

  it("GIVEN a batch of two happy records and one failure WHEN the emulator's count of the function is added THEN its calls are shared by record", () => {
    const ledger = new PhaseLedger(category, ONE_RULE_EACH);
    ledger.record(
      report({ messageIds: ['m1', 'm2', 'm3'], bodies: [body('a-ok'), body('b-ok'), body('c-bad')] }),
    );

    ledger.addFunctionCalls('validate-order', { 'DynamoDB.UpdateItem': 3, 'EventBridge.PutEvents': 3 });

    expect(ledger.calls.happyPath['DynamoDB.UpdateItem']).toBeCloseTo(2, 10);
    expect(ledger.calls.failures['DynamoDB.UpdateItem']).toBeCloseTo(1, 10);
    expect(ledger.calls.happyPath['SQS.SendMessage']).toBe(2);
    expect(ledger.calls.failures['SQS.SendMessage']).toBe(1);
  });

  it('GIVEN a failing record delivered again THEN each delivery weighs in the share of its function', () => {
    const ledger = new PhaseLedger(category, ONE_RULE_EACH);
    ledger.record(report({ messageIds: ['m1', 'm2'], bodies: [body('a-ok'), body('b-bad')] }));
    ledger.record(report({ messageIds: ['m2'], bodies: [body('b-bad')] }));
    ledger.record(report({ shortName: 'analytics', messageIds: ['m3'], bodies: [body('c-ok')] }));

    ledger.addFunctionCalls('validate-order', { 'DynamoDB.GetItem': 6 });

    expect(ledger.calls.happyPath['DynamoDB.GetItem']).toBeCloseTo(2, 10);
    expect(ledger.calls.failures['DynamoDB.GetItem']).toBeCloseTo(4, 10);
  });

  it('GIVEN a message delivered twice THEN it counts as one delivery by the rule', () => {
    const ledger = new PhaseLedger(category, ONE_RULE_EACH);

    ledger.record(report({ messageIds: ['m1'], bodies: [body('a-ok')] }));
    ledger.record(report({ messageIds: ['m1'], bodies: [body('a-ok')] }));

    expect(ledger.calls.happyPath['SQS.SendMessage']).toBe(1);
    expect(ledger.functions.get('validate-order')?.invocations).toBe(2);
  });

  it('GIVEN a cold start THEN init and duration are billed, each rounded up to 1 ms', () => {
    const ledger = new PhaseLedger(category, ONE_RULE_EACH);

    ledger.record(report({ coldStart: true, initMs: 120.2, durationMs: 30.1 }));
    ledger.record(report({ durationMs: 0.2 }));

    expect(ledger.functions.get('validate-order')).toMatchObject({
      coldStarts: 1,
      billedDurationMs: 121 + 31 + 1,
    });
  });

  it('GIVEN events each routed to one queue THEN every distinct message delivered to any function is one bus entry, with its bytes', () => {
    const ledger = new PhaseLedger(category, ONE_RULE_EACH);
    const [placed, fulfilled] = [body('a-ok'), body('a-ok', 'OrderFulfilled')];

    ledger.record(report({ messageIds: ['m1'], bodies: [placed] }));
    ledger.record(report({ shortName: 'analytics', messageIds: ['m2'], bodies: [fulfilled] }));
    // a redelivery is no new entry
    ledger.record(report({ shortName: 'analytics', messageIds: ['m2'], bodies: [fulfilled] }));

    expect(ledger.eventEntries).toBe(2);
    expect(ledger.eventBytes).toBe(Buffer.byteLength(placed) + Buffer.byteLength(fulfilled));
  });

  it('GIVEN a detail type two rules route WHEN both deliveries are seen THEN they are one entry together', () => {
    const ledger = new PhaseLedger(category, (detailType) => (detailType === 'OrderFulfilled' ? 2 : 1));
    const fulfilled = body('a-ok', 'OrderFulfilled');

    ledger.record(report({ shortName: 'fulfil-audit', messageIds: ['m1'], bodies: [fulfilled] }));
    ledger.record(report({ shortName: 'analytics', messageIds: ['m2'], bodies: [fulfilled] }));
    ledger.record(report({ messageIds: ['m3'], bodies: ['not json'] }));

    expect(ledger.eventEntries).toBeCloseTo(2, 10);
    expect(ledger.eventBytes).toBeCloseTo(Buffer.byteLength(fulfilled) + Buffer.byteLength('not json'), 10);
  });

  it('GIVEN poller calls THEN empty receives are kept apart and the rest shared by records', () => {
    const ledger = new PhaseLedger(category, ONE_RULE_EACH);
    ledger.record(
      report({
        messageIds: ['m1', 'm2', 'm3', 'm4'],
        bodies: [body('a-ok'), body('b-ok'), body('c-ok'), body('d-bad')],
      }),
    );

    ledger.addPollerCalls({ 'SQS.ReceiveMessage': 14, 'SQS.DeleteMessageBatch': 4 }, 10);

    expect(ledger.emptyReceives).toBe(10);
    expect(ledger.calls.happyPath['SQS.ReceiveMessage']).toBeCloseTo(3, 10);
    expect(ledger.calls.failures['SQS.ReceiveMessage']).toBeCloseTo(1, 10);
    expect(ledger.calls.happyPath['SQS.DeleteMessageBatch']).toBeCloseTo(3, 10);
  });

  it('GIVEN orders named by an id learnt only after the phase THEN their records are split by what is known when the calls are read', () => {
    // The API names orders when it answers: the category function learns the names later.
    const known = new Map<string, string>();
    const ledger = new PhaseLedger((orderId) => category(known.get(orderId ?? '') ?? orderId), ONE_RULE_EACH);
    ledger.record(report({ messageIds: ['m1', 'm2'], bodies: [body('uuid-1'), body('uuid-2')] }));

    known.set('uuid-1', 'a-ok');
    known.set('uuid-2', 'b-bad');
    ledger.addFunctionCalls('validate-order', { 'DynamoDB.PutItem': 2 });

    expect(ledger.calls.happyPath).toEqual({ 'DynamoDB.PutItem': 1, 'SQS.SendMessage': 1 });
    expect(ledger.calls.failures).toEqual({ 'DynamoDB.PutItem': 1, 'SQS.SendMessage': 1 });
  });

  it('GIVEN HTTP API requests THEN each is an invocation of its function, counted and weighing for its order', () => {
    const ledger = new PhaseLedger(category, ONE_RULE_EACH);

    ledger.recordRequest('place-order', { coldStart: true, initMs: 300.5, durationMs: 40.2 }, 'a-ok');
    ledger.recordRequest('get-order', { coldStart: false, durationMs: 5 }, 'a-ok');
    ledger.recordRequest('get-order', { coldStart: false, durationMs: 5 }, 'b-bad');
    ledger.addFunctionCalls('get-order', { 'DynamoDB.GetItem': 2 });

    expect(ledger.httpApiRequests).toBe(3);
    expect(ledger.functions.get('place-order')).toMatchObject({
      invocations: 1,
      coldStarts: 1,
      billedDurationMs: 301 + 41,
      records: 0,
    });
    expect(ledger.functions.get('get-order')?.invocations).toBe(2);
    expect(ledger.calls.happyPath['DynamoDB.GetItem']).toBe(1);
    expect(ledger.calls.failures['DynamoDB.GetItem']).toBe(1);
    expect(ledger.calls.happyPath['SQS.SendMessage']).toBeUndefined();
  });

  it('GIVEN log lines THEN their bytes and the injected faults are counted', () => {
    const ledger = new PhaseLedger(category, ONE_RULE_EACH);

    ledger.log('{"level":"WARN","message":"fault injection","point":"after-write"}');
    ledger.log('ok');

    expect(ledger.injectedFaults).toBe(1);
    expect(ledger.logBytes).toBe(
      Buffer.byteLength('{"level":"WARN","message":"fault injection","point":"after-write"}') + 1 + 3,
    );
  });
});

describe('orderIdOf', () => {
  it("GIVEN an EventBridge event THEN its correlation id, else its data's orderId (the floor's events)", () => {
    expect(orderIdOf(body('o-1'))).toBe('o-1');
    expect(orderIdOf(event('OrderPlaced', { metadata: { correlationId: 'o-2' } }))).toBe('o-2');
    expect(orderIdOf(event('OrderValidated', { data: { orderId: 'o-3' } }))).toBe('o-3');
  });

  it('fails soft on a body that is not JSON, or JSON but not an EventBridge event: no order', () => {
    expect(orderIdOf('{not json')).toBeUndefined();
    expect(
      orderIdOf(JSON.stringify({ 'detail-type': 'OrderPlaced', detail: { data: { orderId: 'o-4' } } })),
    ).toBe(undefined);
  });
});

describe('PhaseLedger with bodies that are not events', () => {
  it('fails soft: each is still a record, a delivery and one whole bus entry, booked as a failure', () => {
    const ledger = new PhaseLedger(
      (orderId) => (orderId?.endsWith('-ok') ? 'happyPath' : 'failures'),
      () => 2,
    );
    const notAnEvent = JSON.stringify({
      'detail-type': 'OrderPlaced',
      detail: { data: { orderId: 'x-ok' } },
    });
    ledger.record(
      report({ messageIds: ['m1', 'm2', 'm3'], bodies: [body('a-ok'), '{not json', notAnEvent] }),
    );

    ledger.addFunctionCalls('validate-order', { 'DynamoDB.UpdateItem': 3 });

    expect(ledger.functions.get('validate-order')?.records).toBe(3);
    expect(ledger.calls.happyPath).toEqual({ 'DynamoDB.UpdateItem': 1, 'SQS.SendMessage': 1 });
    expect(ledger.calls.failures).toEqual({ 'DynamoDB.UpdateItem': 2, 'SQS.SendMessage': 2 });
    // The event is half an entry (two rules route its type); the others one each.
    expect(ledger.eventEntries).toBe(2.5);
  });
});

describe('percentile', () => {
  it('GIVEN 1..100 THEN nearest-rank percentiles are exact', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);

    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
    expect(latencySummary(values)).toEqual({ p50: 50, p95: 95, p99: 99, max: 100 });
  });

  it('GIVEN no values THEN NaN, not zero', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('perOrder', () => {
  it('GIVEN counts for 4 orders THEN each and the total are divided by 4', () => {
    expect(perOrder({ b: 8, a: 2 }, 4)).toEqual({ total: 2.5, byOperation: { a: 0.5, b: 2 } });
  });
});
