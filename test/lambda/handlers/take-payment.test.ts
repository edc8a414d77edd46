import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { OrderPlaced, type OrderSummary, StockReserved } from '../../../lambda/contracts';
import { handler } from '../../../lambda/handlers/take-payment';
import { dynamo, publishedEntries } from '../support/aws-mocks';
import { anOrder, detailOf, eventRecord, lambdaContext, sqsEvent } from '../support/events';
import { useHandlerHarness } from '../support/handler-harness';

const output = useHandlerHarness();

const reservedRecord = (order: OrderSummary, messageId?: string) =>
  eventRecord(StockReserved, detailOf(StockReserved, order), { messageId });

describe('take-payment handler', () => {
  it('GIVEN PAYMENT_DECLINE_RULES WHEN a batch is charged THEN approved orders are PAID and declined ones PAYMENT_FAILED', async () => {
    const approved = anOrder();
    const declined = anOrder({ customerId: 'declined-99' });

    const response = await handler(
      sqsEvent(reservedRecord(approved), reservedRecord(declined)),
      lambdaContext,
    );

    expect(response).toEqual({ batchItemFailures: [] });
    const published = Object.fromEntries(publishedEntries().map((e) => [e.detail.data.orderId, e]));
    expect(published[approved.orderId]?.detailType).toBe('PaymentSucceeded');
    expect(published[declined.orderId]).toMatchObject({
      detailType: 'PaymentFailed',
      detail: { data: { reason: 'card declined' } },
    });
    const targets = dynamo
      .commandCalls(UpdateCommand)
      .flatMap((c) => c.args[0].input.ExpressionAttributeValues?.[':to'] ?? []);
    expect(targets.sort()).toEqual(['PAID', 'PAYMENT_FAILED']);
  });

  it('fails a record carrying the event of another step, without touching the order (scenario 7)', async () => {
    const response = await handler(
      sqsEvent(
        eventRecord(OrderPlaced, detailOf(OrderPlaced, anOrder()), { messageId: 'm-wrong' }),
        reservedRecord(anOrder()),
      ),
      lambdaContext,
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-wrong' }] });
    expect(output.entries().find((e) => e.messageId === 'm-wrong')).toMatchObject({
      issues: [{ path: 'detail-type', code: 'unknown_detail_type' }],
    });
  });
});
