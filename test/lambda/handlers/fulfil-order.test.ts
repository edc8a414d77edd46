import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, jest } from '@jest/globals';
import { OrderFulfilled, PaymentSucceeded } from '../../../lambda/contracts';
import { handler } from '../../../lambda/handlers/fulfil-order';
import { dynamo, publishedEntries } from '../support/aws-mocks';
import { stubEnv } from '../support/env';
import { anOrder, detailOf, eventRecord, lambdaContext, sqsEvent, uuid } from '../support/events';
import { useHandlerHarness } from '../support/handler-harness';

useHandlerHarness();

const paidDetail = (orderId: string) =>
  detailOf(PaymentSucceeded, { ...anOrder({ orderId }), paymentId: 'pay-1' });
const paidRecord = (orderId: string) => eventRecord(PaymentSucceeded, paidDetail(orderId));

/** A FULFILLED order item whose last transition was caused by the PaymentSucceeded `paidEventId`. */
function fulfilledItem(orderId: string, paidEventId: string) {
  const order = anOrder({ orderId });
  const at = '2025-03-14T10:00:00.000Z';
  return {
    ...order,
    status: 'FULFILLED',
    history: [
      { status: 'VALIDATED', at, eventId: uuid(1) },
      { status: 'RESERVED', at, eventId: uuid(2) },
      { status: 'PAID', at, eventId: uuid(3) },
      { status: 'FULFILLED', at, eventId: paidEventId },
    ],
    version: 4,
    outbox: {
      detailType: 'OrderFulfilled',
      detail: detailOf(OrderFulfilled, { ...order, fulfilmentId: 'ful-1' }, { causationId: paidEventId }),
    },
  };
}

/** A PAID order item whose outbox slot holds the PaymentSucceeded `paid`, as take-payment left it. */
function paidItem(paid: ReturnType<typeof paidDetail>) {
  const at = '2025-03-14T10:00:00.000Z';
  return {
    ...anOrder({ orderId: paid.data.orderId }),
    status: 'PAID',
    history: [
      { status: 'VALIDATED', at, eventId: uuid(1) },
      { status: 'RESERVED', at, eventId: uuid(2) },
      { status: 'PAID', at, eventId: uuid(3) },
    ],
    version: 3,
    outbox: { detailType: 'PaymentSucceeded', detail: paid },
  };
}

describe('fulfil-order handler', () => {
  it('GIVEN a paid order WHEN handled THEN it moves PAID -> FULFILLED with a fulfilment id and OrderFulfilled is published', async () => {
    const paid = paidDetail('order-f');
    dynamo.on(GetCommand).resolves({ Item: paidItem(paid) });

    const response = await handler(sqsEvent(eventRecord(PaymentSucceeded, paid)), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':from': 'PAID',
      ':to': 'FULFILLED',
      ':fulfilmentId': expect.stringMatching(/^ful-/),
    });
    expect(publishedEntries().map((e) => e.detailType)).toEqual(['OrderFulfilled']);
  });

  it('GIVEN a fulfilled order WHEN PaymentSucceeded for it comes again as a new event THEN it is acknowledged as ignored: nothing is written or published (scenario 2)', async () => {
    dynamo.on(GetCommand).resolves({ Item: fulfilledItem('order-f', uuid(3)) });

    const response = await handler(sqsEvent(paidRecord('order-f')), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(publishedEntries()).toEqual([]);
  });

  it('GIVEN an order fulfilled by this event WHEN PaymentSucceeded is redelivered THEN nothing changes and the stored OrderFulfilled is published (scenario 10)', async () => {
    const paid = paidDetail('order-f');
    const item = fulfilledItem('order-f', paid.metadata.eventId);
    dynamo.on(GetCommand).resolves({ Item: item });

    const response = await handler(sqsEvent(eventRecord(PaymentSucceeded, paid)), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(publishedEntries()).toEqual([item.outbox]);
  });

  it('fails at cold start naming each missing or invalid variable', async () => {
    jest.resetModules();
    stubEnv('EVENT_BUS_NAME', undefined);
    stubEnv('FAULT_RULES', '[{"point":"nowhere"}]');

    const error = await import('../../../lambda/handlers/fulfil-order').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('EVENT_BUS_NAME is not set');
    expect((error as Error).message).toContain('FAULT_RULES[0].orderIdPrefix');
  });
});
