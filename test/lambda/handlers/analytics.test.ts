import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from '@jest/globals';
import type { SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { logger } from '../../../lambda/adapters/observability';
import { OrderFulfilled, OrderPlaced, PaymentSucceeded } from '../../../lambda/contracts';
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

function placed(orderId: string, messageId?: string): SQSRecord {
  return eventRecord(OrderPlaced, detailOf(OrderPlaced, anOrder({ orderId })), { messageId });
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

    const response = await handler(sqsEvent(...forged, placed('order-real')), lambdaContext);

    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm-paid' }, { itemIdentifier: 'm-fulfilled' }],
    });
    expect(markerKeys()).toEqual(['EVENT#order-real:OrderPlaced']);
    expect(output.entries().find((e) => e.messageId === 'm-paid')).toMatchObject({
      issues: [{ path: 'source', code: 'not_the_producer' }],
    });
  });

  it('GIVEN a fact dated more than five minutes ahead WHEN handled THEN it is not counted and fails as invalid', async () => {
    const ahead = new Date(Date.now() + 10 * 60_000).toISOString();
    const future = eventRecord(OrderPlaced, detailOf(OrderPlaced, anOrder(), { occurredAt: ahead }), {
      messageId: 'm-future',
    });
    const soon = new Date(Date.now() + 60_000).toISOString();
    const skewed = eventRecord(
      OrderPlaced,
      detailOf(OrderPlaced, anOrder({ orderId: 'order-skew' }), { occurredAt: soon }),
    );

    const response = await handler(sqsEvent(future, skewed), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-future' }] });
    expect(markerKeys()).toEqual(['EVENT#order-skew:OrderPlaced']);
    expect(output.entries().find((e) => e.messageId === 'm-future')).toMatchObject({
      issues: [{ path: 'detail.metadata.occurredAt', code: 'in_the_future' }],
    });
  });

  it('GIVEN a batch of events WHEN handled THEN one transaction holds a marker per event and the summed counters', async () => {
    const order = anOrder({ orderId: 'order-a' });
    const records = [
      placed('order-a'),
      placed('order-b'),
      eventRecord(PaymentSucceeded, detailOf(PaymentSucceeded, { ...order, paymentId: 'pay-1' })),
      eventRecord(OrderFulfilled, detailOf(OrderFulfilled, { ...order, fulfilmentId: 'ful-1' })),
    ];

    const response = await handler(sqsEvent(...records), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(markerKeys()).toEqual([
      'EVENT#order-a:OrderPlaced',
      'EVENT#order-b:OrderPlaced',
      'EVENT#order-a:PaymentSucceeded',
      'EVENT#order-a:OrderFulfilled',
    ]);
    const counters = transactItems().flatMap((i) => (i.Update ? [i.Update] : []));
    expect(counters.map((u) => u.Key?.pk)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DAY#2025-03-14#[0-3]$/),
        expect.stringMatching(/^PRODUCT#sku-apple#/),
      ]),
    );
  });

  it('GIVEN the same fact delivered twice in one batch WHEN handled THEN it is counted once and both records are acknowledged (scenario 2)', async () => {
    const detail = detailOf(OrderPlaced, anOrder({ orderId: 'order-twice' }));
    const records = [
      eventRecord(OrderPlaced, detail),
      sqsRecord(JSON.stringify(envelope('OrderPlaced', detail))),
    ];

    const response = await handler(sqsEvent(...records), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(markerKeys()).toEqual(['EVENT#order-twice:OrderPlaced']);
  });

  it('GIVEN an event already counted WHEN a batch contains it THEN the batch falls back to one write per event and skips it', async () => {
    markerExists('order-old:OrderPlaced');

    const response = await handler(sqsEvent(placed('order-old'), placed('order-new')), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(TransactWriteCommand).map((_, i) => markerKeys(i))).toEqual([
      ['EVENT#order-old:OrderPlaced', 'EVENT#order-new:OrderPlaced'],
      ['EVENT#order-old:OrderPlaced'],
      ['EVENT#order-new:OrderPlaced'],
    ]);
  });

  it('GIVEN one event that keeps colliding WHEN handled THEN exactly its record is reported (scenario 5)', async () => {
    dynamo.on(TransactWriteCommand).callsFake((input) => {
      const collides = input.TransactItems.some(
        (i: { Put?: { Item: { pk: string } } }) => i.Put?.Item.pk === 'EVENT#order-hot:OrderPlaced',
      );
      if (collides) throw transactionCancelled(...input.TransactItems.map(() => 'TransactionConflict'));
      return {};
    });

    // An invocation with time for a few short retries only.
    const response = await handler(
      sqsEvent(placed('order-hot', 'm-hot'), placed('order-cool')),
      contextWithRemainingTime(TRANSACTION_CONFLICT_TIME_RESERVE_MS + 300),
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-hot' }] });
  });

  it('GIVEN a transaction conflict WHEN the invocation has time THEN the batch is written once more and counted, logging its idempotency keys', async () => {
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(transactionCancelled('None', 'None', 'TransactionConflict'))
      .resolves({});

    const response = await handler(sqsEvent(placed('order-1'), placed('order-2')), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(TransactWriteCommand).map((_, i) => markerKeys(i))).toEqual([
      ['EVENT#order-1:OrderPlaced', 'EVENT#order-2:OrderPlaced'],
      ['EVENT#order-1:OrderPlaced', 'EVENT#order-2:OrderPlaced'],
    ]);
    const retries = output.entries().filter((l) => l.message === 'transaction conflict: retrying');
    expect(retries).toEqual([
      expect.objectContaining({
        attempt: 2,
        idempotencyKeys: ['order-1:OrderPlaced', 'order-2:OrderPlaced'],
      }),
    ]);
  });

  it('fails every record when the table throttles beyond the SDK retries, acknowledging nothing (scenarios 8, 18)', async () => {
    dynamo.on(TransactWriteCommand).rejects(throttled());

    const response = await handler(
      sqsEvent(placed('order-1', 'm-1'), placed('order-2', 'm-2')),
      lambdaContext,
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-2' }] });
  });

  it('fails an invalid record and still counts the rest (scenario 7)', async () => {
    const response = await handler(
      sqsEvent(sqsRecord('{', { messageId: 'm-bad' }), placed('order-ok')),
      lambdaContext,
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-bad' }] });
    expect(markerKeys()).toEqual(['EVENT#order-ok:OrderPlaced']);
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
          sqsEvent(sqsRecord(body, { messageId: 'm-hostile' }), placed('order-ok')),
          lambdaContext,
        );

        expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-hostile' }] });
        expect(markerKeys()).toEqual(['EVENT#order-ok:OrderPlaced']);
      }),
      { numRuns: 200 },
    );
  });
});
