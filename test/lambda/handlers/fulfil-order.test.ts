import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { PaymentSucceeded } from '../../../lambda/contracts';
import { handler } from '../../../lambda/handlers/fulfil-order';
import { conditionFailed, dynamo, publishedEntries } from '../support/aws-mocks';
import { anOrder, detailOf, eventRecord, lambdaContext, sqsEvent } from '../support/events';
import { useHandlerHarness } from '../support/handler-harness';

// vi.hoisted runs before the imports above: the handler reads its configuration when it is imported.
await vi.hoisted(async () => (await import('../support/env')).stubHandlerEnv());

useHandlerHarness();

const paidRecord = (orderId: string) =>
  eventRecord(PaymentSucceeded, detailOf(PaymentSucceeded, { ...anOrder({ orderId }), paymentId: 'pay-1' }));

describe('fulfil-order handler', () => {
  it('GIVEN a paid order WHEN handled THEN it moves PAID -> FULFILLED with a fulfilment id and OrderFulfilled is published', async () => {
    const response = await handler(sqsEvent(paidRecord('order-f')), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':from': 'PAID',
      ':to': 'FULFILLED',
      ':fulfilmentId': expect.stringMatching(/^ful-/),
    });
    expect(publishedEntries().map((e) => e.detailType)).toEqual(['OrderFulfilled']);
  });

  it('GIVEN a fulfilled order WHEN PaymentSucceeded is redelivered THEN nothing changes and nothing is published (scenario 2)', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({
      Item: {
        orderId: 'order-f',
        status: 'FULFILLED',
        outbox: { OrderFulfilled: { detail: {}, publishedAt: 'then' } },
      },
    });

    const response = await handler(sqsEvent(paidRecord('order-f')), lambdaContext);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(publishedEntries()).toEqual([]);
  });

  it('fails at cold start naming each missing or invalid variable', async () => {
    vi.resetModules();
    vi.stubEnv('EVENT_BUS_NAME', undefined);
    vi.stubEnv('FAULT_RULES', '[{"point":"nowhere"}]');

    await expect(import('../../../lambda/handlers/fulfil-order')).rejects.toThrow(
      /EVENT_BUS_NAME is not set[\s\S]*FAULT_RULES\[0\]\.orderIdPrefix/,
    );
  });
});
