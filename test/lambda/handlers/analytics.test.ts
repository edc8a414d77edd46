import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { logger, metrics } from '../../../lambda/adapters/observability';
import { OrderFulfilled, OrderPlaced, OrderRejected, PaymentSucceeded } from '../../../lambda/contracts';
import { handler } from '../../../lambda/handlers/analytics';
import { TRANSACTION_CONFLICT_TIME_RESERVE_MS } from '../../../lambda/shared/limits';
import { dynamo, throttled, transactionCancelled } from '../support/aws-mocks';
import {
  anOrder,
  contextWithRemainingTime,
  detailOf,
  envelope,
  eventRecord,
  lambdaContext,
  sqsEvent,
  sqsRecord,
} from '../support/events';
import { useHandlerHarness } from '../support/handler-harness';
import { hostileBody } from '../support/hostile';

const output = useHandlerHarness();

beforeEach(() => {
  logger.setLogLevel('INFO');
});

afterEach(() => {
  jest.restoreAllMocks();
});

/** A final fact without amounts: the simplest event analytics counts. */
function rejected(orderId: string, messageId?: string): SQSRecord {
  const detail = detailOf(OrderRejected, { orderId, customerId: 'c-1', reasons: ['currency'] });
  return eventRecord(OrderRejected, detail, { messageId });
}

function transactItems(call = 0) {
  return dynamo.commandCalls(TransactWriteCommand)[call]?.args[0].input.TransactItems ?? [];
}

function markerKeys(call = 0): string[] {
  return transactItems(call).flatMap((i) => (i.Put ? [String(i.Put.Item?.pk)] : []));
}

/** Cancels any transaction that puts the marker of `idempotencyKey`, as DynamoDB does when it exists. */
function markerExists(idempotencyKey: string) {
  dynamo.on(TransactWriteCommand).callsFake((input) => {
    const codes = input.TransactItems.map((i: { Put?: { Item: { pk: string } } }) =>
      i.Put?.Item.pk === `EVENT#${idempotencyKey}` ? 'ConditionalCheckFailed' : 'None',
    );
    if (codes.includes('ConditionalCheckFailed')) throw transactionCancelled(...codes);
    return {};
  });
}

describe('analytics handler', () => {
  it('GIVEN facts put with a source that is not their producer’s WHEN handled THEN none is counted and each fails as invalid', async () => {
    const order = anOrder({ orderId: 'order-forged' });
    const paid = detailOf(PaymentSucceeded, { ...order, paymentId: 'pay-forged' });
    const fulfilled = detailOf(OrderFulfilled, { ...order, fulfilmentId: 'ful-forged' });
    const forged = [
      sqsRecord(JSON.stringify(envelope('PaymentSucceeded', paid, { source: 'orders.client' })), {
        messageId: 'm-paid',
      }),
      sqsRecord(JSON.stringify(envelope('OrderFulfilled', fulfilled, { source: 'orders.client' })), {
        messageId: 'm-fulfilled',
      }),
    ];

    const response = await handler(sqsEvent(...forged, rejected('order-real')), lambdaContext);

    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm-paid' }, { itemIdentifier: 'm-fulfilled' }],
    });
    expect(markerKeys()).toEqual(['EVENT#order-real:OrderRejected']);
    expect(output.entries().find((e) => e.messageId === 'm-paid')).toMatchObject({
      issues: [{ path: 'source', code: 'not_the_producer' }],
    });
  });

  it('GIVEN a fact dated more than five minutes ahead WHEN handled THEN it is not counted and fails as invalid', async () => {
    const ahead = new Date(Date.now() + 10 * 60_000).toISOString();
    const order = anOrder();
    const future = eventRecord(
      OrderFulfilled,
      detailOf(OrderFulfilled, { ...order, fulfilmentId: 'ful-1' }, { occurredAt: ahead }),
      { messageId: 'm-future' },
    );
    const soon = new Date(Date.now() + 60_000).toISOString();
    const skewed = eventRecord(
      OrderRejected,
      detailOf(
        OrderRejected,
        { orderId: 'order-skew', customerId: 'c-1', reasons: ['x'] },
        { occurredAt: soon },
      ),
    );

    const response = await handler(sqsEvent(future, skewed), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-future' }] });
    expect(markerKeys()).toEqual(['EVENT#order-skew:OrderRejected']);
    expect(output.entries().find((e) => e.messageId === 'm-future')).toMatchObject({
      issues: [{ path: 'detail.metadata.occurredAt', code: 'in_the_future' }],
    });
  });

  it('GIVEN a batch of final facts WHEN handled THEN one transaction holds a marker per fact, one day total and one counter per product, all on one shard', async () => {
    const fulfilled = ['order-a', 'order-b', 'order-c'].map((orderId) => {
      const order = anOrder({ orderId });
      return eventRecord(
        OrderFulfilled,
        detailOf(OrderFulfilled, { ...order, fulfilmentId: `ful-${orderId}` }),
      );
    });
    const records = [...fulfilled, rejected('order-d')];

    const response = await handler(sqsEvent(...records), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(markerKeys()).toEqual([
      'EVENT#order-a:OrderFulfilled',
      'EVENT#order-b:OrderFulfilled',
      'EVENT#order-c:OrderFulfilled',
      'EVENT#order-d:OrderRejected',
    ]);
    const counters = transactItems().flatMap((i) => (i.Update ? [i.Update] : []));
    expect(counters.map((u) => u.Key?.pk)).toEqual([
      expect.stringMatching(/^DAY#2025-03-14#[0-7]$/),
      expect.stringMatching(/^PRODUCT#sku-apple#[0-7]$/),
      expect.stringMatching(/^PRODUCT#sku-pear#[0-7]$/),
    ]);
    expect(new Set(counters.map((u) => String(u.Key?.pk).split('#').at(-1))).size).toBe(1);
    // 3 orders of 2 x 1,500 + 1 x 700: the day's revenue and the apples' units summed in one update each
    expect(counters[0]?.ExpressionAttributeValues).toEqual({ ':v0': 3, ':v1': 3 * 3_700, ':v2': 1 });
    expect(counters[1]?.ExpressionAttributeValues).toEqual({ ':v0': 6, ':v1': 6 * 1_500 });
  });

  it('GIVEN intermediate events queued before the rule stopped routing them WHEN handled THEN they are acknowledged and counted nowhere', async () => {
    const order = anOrder({ orderId: 'order-early' });
    const records = [
      eventRecord(OrderPlaced, detailOf(OrderPlaced, order), { messageId: 'm-placed' }),
      eventRecord(PaymentSucceeded, detailOf(PaymentSucceeded, { ...order, paymentId: 'pay-1' })),
    ];

    const addMetric = jest.spyOn(metrics, 'addMetric');

    const response = await handler(sqsEvent(...records), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(addMetric.mock.calls).toEqual([
      ['EventsNotCounted', 'Count', 1],
      ['EventsNotCounted', 'Count', 1],
    ]);
  });

  it('GIVEN the same fact delivered twice in one batch WHEN handled THEN it is counted once and both records are acknowledged (scenario 2)', async () => {
    const detail = detailOf(OrderRejected, { orderId: 'order-twice', customerId: 'c-1', reasons: ['x'] });
    const records = [
      eventRecord(OrderRejected, detail),
      sqsRecord(JSON.stringify(envelope('OrderRejected', detail))),
    ];

    const response = await handler(sqsEvent(...records), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(markerKeys()).toEqual(['EVENT#order-twice:OrderRejected']);
  });

  it('GIVEN an event already counted WHEN a batch contains it THEN the refused transaction names it, and the others are written again without it', async () => {
    markerExists('order-old:OrderRejected');

    const response = await handler(sqsEvent(rejected('order-old'), rejected('order-new')), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(TransactWriteCommand).map((_, i) => markerKeys(i))).toEqual([
      ['EVENT#order-old:OrderRejected', 'EVENT#order-new:OrderRejected'],
      ['EVENT#order-new:OrderRejected'],
    ]);
  });

  it('GIVEN one event that keeps colliding WHEN handled THEN exactly its record is reported (scenario 5)', async () => {
    dynamo.on(TransactWriteCommand).callsFake((input) => {
      const collides = input.TransactItems.some(
        (i: { Put?: { Item: { pk: string } } }) => i.Put?.Item.pk === 'EVENT#order-hot:OrderRejected',
      );
      if (collides) throw transactionCancelled(...input.TransactItems.map(() => 'TransactionConflict'));
      return {};
    });

    // An invocation with time for a few short retries only.
    const response = await handler(
      sqsEvent(rejected('order-hot', 'm-hot'), rejected('order-cool')),
      contextWithRemainingTime(TRANSACTION_CONFLICT_TIME_RESERVE_MS + 300),
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-hot' }] });
  });

  it('GIVEN a transaction conflict WHEN the invocation has time THEN the batch is written once more and counted, logging its idempotency keys', async () => {
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(transactionCancelled('None', 'None', 'TransactionConflict'))
      .resolves({});

    const response = await handler(sqsEvent(rejected('order-1'), rejected('order-2')), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(TransactWriteCommand).map((_, i) => markerKeys(i))).toEqual([
      ['EVENT#order-1:OrderRejected', 'EVENT#order-2:OrderRejected'],
      ['EVENT#order-1:OrderRejected', 'EVENT#order-2:OrderRejected'],
    ]);
    const retries = output.entries().filter((l) => l.message === 'transaction conflict: retrying');
    expect(retries).toEqual([
      expect.objectContaining({
        attempt: 2,
        idempotencyKeys: ['order-1:OrderRejected', 'order-2:OrderRejected'],
      }),
    ]);
  });

  it('fails every record when the table throttles beyond the SDK retries, acknowledging nothing (scenarios 8, 18)', async () => {
    dynamo.on(TransactWriteCommand).rejects(throttled());

    const response = await handler(
      sqsEvent(rejected('order-1', 'm-1'), rejected('order-2', 'm-2')),
      lambdaContext,
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-2' }] });
  });

  it('fails an invalid record and still counts the rest (scenario 7)', async () => {
    const response = await handler(
      sqsEvent(sqsRecord('{', { messageId: 'm-bad' }), rejected('order-ok')),
      lambdaContext,
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-bad' }] });
    expect(markerKeys()).toEqual(['EVENT#order-ok:OrderRejected']);
    expect(output.entries().find((e) => e.messageId === 'm-bad')).toMatchObject({
      issues: [{ path: 'body', code: 'invalid_json' }],
    });
  });

  it('fails each of 200 generated hostile events while counting the valid event of its batch', async () => {
    logger.setLogLevel('SILENT');
    await fc.assert(
      fc.asyncProperty(hostileBody, async ({ body }) => {
        dynamo.resetHistory();
        const response = await handler(
          sqsEvent(sqsRecord(body, { messageId: 'm-hostile' }), rejected('order-ok')),
          lambdaContext,
        );

        expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-hostile' }] });
        expect(markerKeys()).toEqual(['EVENT#order-ok:OrderRejected']);
      }),
      { numRuns: 200 },
    );
  });
});
