import { UnexpectedBatchTypeError } from '@aws-lambda-powertools/batch';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { SQSEvent } from 'aws-lambda';
import fc from 'fast-check';
import { logger } from '../../../lambda/adapters/observability';
import { OrderPlaced, type OrderSummary } from '../../../lambda/contracts';
import type { OrderRecord } from '../../../lambda/domain/order';
import { storedEvent } from '../../../lambda/domain/outbox-slot';
import { handler } from '../../../lambda/handlers/validate-order';
import {
  acceptAllEntries,
  conditionFailed,
  dynamo,
  eventBridge,
  publishedEntries,
  tableUnavailable,
  throttled,
} from '../support/aws-mocks';
import {
  anOrder,
  detailOf,
  eventRecord,
  lambdaContext,
  SECRET_CUSTOMER_ID,
  sqsEvent,
  sqsRecord,
  uniqueId,
  uuid,
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

function placedRecord(
  order: OrderSummary = anOrder(),
  options: { messageId?: string; receiveCount?: number } = {},
) {
  return eventRecord(OrderPlaced, detailOf(OrderPlaced, order), options);
}

function failedIds(response: { batchItemFailures: { itemIdentifier: string }[] }): string[] {
  return response.batchItemFailures.map((f) => f.itemIdentifier).sort();
}

/** The order item the first create wrote, as a later GetItem would return it. */
function storedOrder(orderId: string) {
  const put = dynamo.commandCalls(PutCommand).find((c) => c.args[0].input.Item?.orderId === orderId);
  return put?.args[0].input.Item;
}

describe('validate-order handler', () => {
  it('GIVEN a batch of valid orders WHEN handled THEN each is created and its event published, and nothing is reported', async () => {
    const orders = [anOrder(), anOrder({ currency: 'JPY' })];

    const response = await handler(sqsEvent(...orders.map((o) => placedRecord(o))), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.status)).toEqual([
      'VALIDATED',
      'REJECTED',
    ]);
    expect(publishedEntries().map((e) => e.detailType)).toEqual(['OrderValidated', 'OrderRejected']);
    // One write per order: nothing is written back after the publish.
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('GIVEN one record whose write fails WHEN the batch is handled THEN exactly that record is reported (scenario 5)', async () => {
    const [ok1, bad, ok2] = [anOrder(), anOrder(), anOrder()];
    dynamo.on(PutCommand, { Item: { orderId: bad.orderId } }).rejects(tableUnavailable());
    const records = [placedRecord(ok1), placedRecord(bad, { messageId: 'm-bad' }), placedRecord(ok2)];

    const response = await handler(sqsEvent(...records), lambdaContext);

    expect(failedIds(response)).toEqual(['m-bad']);
    expect(
      publishedEntries()
        .map((e) => e.detail.data.orderId)
        .sort(),
    ).toEqual([ok1.orderId, ok2.orderId].sort());
  });

  it('GIVEN malformed JSON and a schema violation WHEN handled THEN both are reported with reasons, the rest proceeds, and no personal data is logged (scenario 7)', async () => {
    const good = anOrder();
    const invalid = detailOf(OrderPlaced, anOrder());
    const records = [
      sqsRecord(`{"detail":{"data":{"customerId":"${SECRET_CUSTOMER_ID}"`, { messageId: 'm-json' }),
      eventRecord(
        OrderPlaced,
        { ...invalid, data: { ...invalid.data, lines: [] } },
        { messageId: 'm-schema' },
      ),
      placedRecord(good),
    ];

    const response = await handler(sqsEvent(...records), lambdaContext);

    expect(failedIds(response)).toEqual(['m-json', 'm-schema']);
    expect(publishedEntries().map((e) => e.detail.data.orderId)).toEqual([good.orderId]);
    const warnings = output.entries().filter((e) => e.level === 'WARN');
    expect(warnings).toEqual([
      expect.objectContaining({ messageId: 'm-json', issues: [{ path: 'body', code: 'invalid_json' }] }),
      expect.objectContaining({
        messageId: 'm-schema',
        issues: [{ path: 'detail.data.lines', code: 'too_small' }],
      }),
    ]);
    expect(output.text()).not.toContain(SECRET_CUSTOMER_ID);
  });

  it('fails every record when the table is unavailable for all of them, so nothing is acknowledged (scenarios 8, 11)', async () => {
    dynamo.on(PutCommand).rejects(tableUnavailable());
    const records = [placedRecord(), placedRecord()];

    const response = await handler(sqsEvent(...records), lambdaContext);

    expect(failedIds(response)).toEqual(records.map((r) => r.messageId).sort());
    expect(publishedEntries()).toEqual([]);
  });

  it('fails a throttled record rather than acknowledging it (scenario 18)', async () => {
    const throttledOrder = anOrder();
    dynamo.on(PutCommand, { Item: { orderId: throttledOrder.orderId } }).rejects(throttled());

    const response = await handler(
      sqsEvent(placedRecord(throttledOrder, { messageId: 'm-throttled' }), placedRecord()),
      lambdaContext,
    );

    expect(failedIds(response)).toEqual(['m-throttled']);
  });

  it('GIVEN PutEvents throttles an entry once WHEN handled THEN only that entry is retried and the record succeeds (scenarios 12, 18)', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });

    const response = await handler(sqsEvent(placedRecord()), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it('fails the record when PutEvents keeps refusing the entry, so that its redelivery publishes the stored event (scenario 12)', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });

    const record = placedRecord();
    expect(await handler(sqsEvent(record), lambdaContext)).toEqual({
      batchItemFailures: [{ itemIdentifier: record.messageId }],
    });

    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(4);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(1);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(output.entries().find((e) => e.level === 'ERROR' && e.messageId)).toMatchObject({
      error: { name: 'PublishError', message: expect.stringContaining('InternalFailure') },
    });
  });

  it('GIVEN the publish failed after the write WHEN the message is redelivered THEN the stored event is published, with no second write (scenario 13)', async () => {
    const order = anOrder();
    const detail = detailOf(OrderPlaced, order);
    let outage = true;
    eventBridge.on(PutEventsCommand).callsFake((input) => {
      const sendsOrder = input.Entries.some((e: { Detail: string }) => e.Detail.includes(order.orderId));
      if (sendsOrder && outage) {
        outage = false;
        throw new Error('EventBridge unavailable');
      }
      return acceptAllEntries(input);
    });
    const first = await handler(
      sqsEvent(eventRecord(OrderPlaced, detail, { messageId: 'm-1' }), placedRecord()),
      lambdaContext,
    );
    expect(failedIds(first)).toEqual(['m-1']);
    const stored = storedOrder(order.orderId);
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(GetCommand, { Key: { orderId: order.orderId } }).resolves({ Item: stored });
    eventBridge.resetHistory();
    dynamo.resetHistory();

    const redelivery = await handler(
      sqsEvent(eventRecord(OrderPlaced, detail, { messageId: 'm-1', receiveCount: 2 })),
      lambdaContext,
    );

    expect(redelivery).toEqual({ batchItemFailures: [] });
    expect(publishedEntries()).toEqual([storedEvent(stored as OrderRecord)]);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(1);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('GIVEN a crash after the write WHEN the message is redelivered THEN the stored event is published once, with no second write (scenario 10)', async () => {
    const order = anOrder({ orderId: uniqueId('fault-crash-after-write') });
    const detail = detailOf(OrderPlaced, order);
    const first = await handler(
      sqsEvent(eventRecord(OrderPlaced, detail, { messageId: 'm-1', receiveCount: 1 }), placedRecord()),
      lambdaContext,
    );
    expect(failedIds(first)).toEqual(['m-1']);
    expect(output.text()).toContain('InjectedFaultError');
    expect(publishedEntries().filter((e) => e.detail.data.orderId === order.orderId)).toEqual([]);
    const stored = storedOrder(order.orderId);
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({ Item: stored });
    eventBridge.resetHistory();

    const redelivery = await handler(
      sqsEvent(eventRecord(OrderPlaced, detail, { messageId: 'm-1', receiveCount: 2 })),
      lambdaContext,
    );

    expect(redelivery).toEqual({ batchItemFailures: [] });
    expect(publishedEntries().map((e) => e.detail.metadata.eventId)).toEqual([
      stored?.outbox.detail.metadata.eventId,
    ]);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('GIVEN a validated order WHEN the same order is placed again as a new event THEN nothing new is written or published (scenario 2)', async () => {
    const order = anOrder();
    await handler(sqsEvent(placedRecord(order)), lambdaContext);
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({ Item: storedOrder(order.orderId) });
    eventBridge.resetHistory();

    const response = await handler(sqsEvent(placedRecord(order)), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(publishedEntries()).toEqual([]);
  });

  it('GIVEN an order that moved on WHEN its OrderPlaced comes again with a new EventBridge id THEN nothing new is written or published (scenario 2)', async () => {
    const order = anOrder();
    const detail = detailOf(OrderPlaced, order);
    await handler(sqsEvent(eventRecord(OrderPlaced, detail)), lambdaContext);
    const stored = storedOrder(order.orderId);
    const reserved = {
      ...stored,
      status: 'RESERVED',
      history: [...(stored?.history ?? []), { status: 'RESERVED', at: 'later', eventId: uuid(7) }],
      outbox: { detailType: 'StockReserved', detail: stored?.outbox.detail },
    };
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({ Item: reserved });
    eventBridge.resetHistory();

    const response = await handler(sqsEvent(eventRecord(OrderPlaced, detail)), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(publishedEntries()).toEqual([]);
  });

  it('fails an oversize record before any write or send (scenario 16)', async () => {
    const detail = detailOf(OrderPlaced, anOrder());
    const huge = eventRecord(OrderPlaced, { ...detail, padding: 'x'.repeat(300 * 1024) } as typeof detail, {
      messageId: 'm-huge',
    });

    const response = await handler(sqsEvent(huge, placedRecord()), lambdaContext);

    expect(failedIds(response)).toEqual(['m-huge']);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(1);
    expect(output.entries().find((e) => e.messageId === 'm-huge')).toMatchObject({
      issues: [{ path: 'body', code: 'too_big' }],
    });
  });

  it('GIVEN any mix of failing records WHEN handled THEN exactly their identifiers are reported, all of them when all fail (scenario 11)', async () => {
    logger.setLogLevel('SILENT');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }), async (failing) => {
        const records = failing.map((fails) => (fails ? sqsRecord('not json') : placedRecord()));
        const expected = records.filter((_, i) => failing[i]).map((r) => r.messageId);

        const response = await handler(sqsEvent(...records), lambdaContext);

        expect(failedIds(response)).toEqual(expected.sort());
      }),
      { numRuns: 100 },
    );
  });

  it('fails the whole invocation for an event that is not an SQS batch (scenario 11)', async () => {
    await expect(handler({} as SQSEvent, lambdaContext)).rejects.toThrow(UnexpectedBatchTypeError);
  });

  it('fails each of 1,000 generated hostile events with a logged reason while the valid record in its batch succeeds', async () => {
    // WARN keeps the rejection lines under test and skips the valid records' INFO lines: a faster run.
    logger.setLogLevel('WARN');
    await fc.assert(
      fc.asyncProperty(hostileBody, async ({ body }) => {
        dynamo.resetHistory();
        eventBridge.resetHistory();
        output.clear();
        const hostile = sqsRecord(body, { messageId: 'm-hostile' });
        const valid = anOrder();

        const response = await handler(sqsEvent(hostile, placedRecord(valid)), lambdaContext);

        expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-hostile' }] });
        expect(dynamo.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.orderId)).toEqual([
          valid.orderId,
        ]);
        expect(publishedEntries().map((e) => e.detail.data.orderId)).toEqual([valid.orderId]);
        const [rejection, ...others] = output.entries();
        expect(others).toEqual([]);
        expect(rejection).toMatchObject({
          level: 'WARN',
          messageId: 'm-hostile',
          issues: expect.arrayContaining([{ path: expect.any(String), code: expect.any(String) }]),
        });
        expect(output.text()).not.toContain(SECRET_CUSTOMER_ID);
      }),
      { numRuns: 1000 },
    );
  });
});
