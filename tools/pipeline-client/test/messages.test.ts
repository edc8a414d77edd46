import { describe, expect, it } from '@jest/globals';
import { summariseMessage } from '../src/messages';
import { eventBody } from './support/fake-stage';

const SENT = Date.parse('2026-11-26T10:00:00Z');

describe('summariseMessage', () => {
  it('GIVEN a queue DLQ message WHEN summarised THEN it names the event, the order and where the reason is, without the payload', () => {
    const s = summariseMessage(
      {
        MessageId: 'm-1',
        Body: eventBody('OrderValidated', 'ord-1'),
        Attributes: {
          SentTimestamp: String(SENT),
          ApproximateReceiveCount: '6',
          ApproximateFirstReceiveTimestamp: String(SENT + 500),
          DeadLetterQueueSourceArn: 'arn:aws:sqs:eu-west-1:1:reserve-queue',
        },
      },
      'source',
      'reserve-stock',
    );
    expect(s).toEqual({
      messageId: 'm-1',
      detailType: 'OrderValidated',
      orderId: 'ord-1',
      eventId: 'evt-ord-1',
      sentAt: '2026-11-26T10:00:00.000Z',
      receiveCount: 6,
      firstReceivedAt: '2026-11-26T10:00:00.500Z',
      deadLetterSourceArn: 'arn:aws:sqs:eu-west-1:1:reserve-queue',
      reason:
        'not on the message: the reserve-stock function logged it; search its log group for messageId m-1 or orderId ord-1',
      bodyBytes: expect.any(Number),
    });
    expect(JSON.stringify(s)).not.toContain('customer-secret');
  });

  it('GIVEN a rule-target DLQ message WHEN summarised THEN the reason is EventBridge’s error code and message', () => {
    const attr = (v: string) => ({ DataType: 'String', StringValue: v });
    const s = summariseMessage(
      {
        MessageId: 'm-2',
        Body: eventBody('OrderPlaced', 'ord-2'),
        MessageAttributes: {
          ERROR_CODE: attr('SQS.AccessDenied'),
          ERROR_MESSAGE: attr('Access to the queue is denied'),
          RULE_ARN: attr('arn:aws:events:eu-west-1:1:rule/orders/validate'),
          RETRY_ATTEMPTS: attr('0'),
        },
      },
      'target',
      'validate-order',
    );
    expect(s.reason).toBe('EventBridge: SQS.AccessDenied (Access to the queue is denied)');
    expect(s.errorAttributes).toEqual({
      ERROR_CODE: 'SQS.AccessDenied',
      ERROR_MESSAGE: 'Access to the queue is denied',
      RULE_ARN: 'arn:aws:events:eu-west-1:1:rule/orders/validate',
      RETRY_ATTEMPTS: '0',
    });
  });

  it.each([
    ['{not json', 'body is not JSON'],
    ['{"hello":"world"}', 'body is not an EventBridge event (no detail-type, source and detail)'],
    ['', 'empty body'],
  ])('GIVEN the body %j WHEN summarised THEN it names the problem and shows no content', (body, problem) => {
    const s = summariseMessage({ MessageId: 'm-3', Body: body }, 'source', 'analytics');
    expect(s.bodyProblem).toBe(problem);
    expect(s.detailType).toBeUndefined();
    expect(s.bodyBytes).toBe(Buffer.byteLength(body));
  });
});
