import type { Message } from '@aws-sdk/client-sqs';
import { describe, expect, it } from '@jest/globals';
import {
  interpretBatchResponse,
  MalformedMessageError,
  messagesToDelete,
  toSqsRecord,
} from '../src/sqs-batch';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:orders-validate';
const IDS = ['m-1', 'm-2', 'm-3'];

function message(overrides: Partial<Message> = {}): Message {
  return {
    MessageId: 'm-1',
    ReceiptHandle: 'handle-1',
    Body: '{"detail-type":"OrderPlaced"}',
    MD5OfBody: '0b5c1f0c8e2b5c1a4a1bb5a1c7a4f7d1',
    Attributes: {
      ApproximateReceiveCount: '2',
      SentTimestamp: '1700000000000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1700000000100',
    },
    ...overrides,
  };
}

describe('toSqsRecord', () => {
  it('builds the record Lambda delivers for a received message', () => {
    // GIVEN a message received with all attributes
    // WHEN it becomes an event record
    const record = toSqsRecord(message(), QUEUE_ARN, 'us-east-1');
    // THEN it has Lambda's field names and values, including the receive count
    expect(record).toEqual({
      messageId: 'm-1',
      receiptHandle: 'handle-1',
      body: '{"detail-type":"OrderPlaced"}',
      attributes: {
        ApproximateReceiveCount: '2',
        SentTimestamp: '1700000000000',
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: '1700000000100',
      },
      messageAttributes: {},
      md5OfBody: '0b5c1f0c8e2b5c1a4a1bb5a1c7a4f7d1',
      eventSource: 'aws:sqs',
      eventSourceARN: QUEUE_ARN,
      awsRegion: 'us-east-1',
    });
  });

  it('omits md5OfMessageAttributes when the message has no attributes', () => {
    // GIVEN a message without message attributes
    // WHEN it becomes an event record
    const record = toSqsRecord(message(), QUEUE_ARN, 'us-east-1');
    // THEN the digest field is absent, as in Lambda's records
    expect(record).not.toHaveProperty('md5OfMessageAttributes');
  });

  it('converts message attributes to Lambda camel case, binary values base64-encoded', () => {
    // GIVEN a message with a string and a binary attribute
    const received = message({
      MD5OfMessageAttributes: 'abc123',
      MessageAttributes: {
        traceparent: { DataType: 'String', StringValue: '00-1-2-01' },
        blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
      },
    });
    // WHEN it becomes an event record
    const record = toSqsRecord(received, QUEUE_ARN, 'us-east-1');
    // THEN the attributes and their digest are carried over in Lambda's shape
    expect(record.md5OfMessageAttributes).toBe('abc123');
    expect(record.messageAttributes).toEqual({
      traceparent: {
        stringValue: '00-1-2-01',
        binaryValue: undefined,
        stringListValues: [],
        binaryListValues: [],
        dataType: 'String',
      },
      blob: {
        stringValue: undefined,
        binaryValue: 'AQID',
        stringListValues: [],
        binaryListValues: [],
        dataType: 'Binary',
      },
    });
  });

  it.each([
    ['MessageId', { MessageId: undefined }],
    ['ReceiptHandle', { ReceiptHandle: undefined }],
    ['Body', { Body: undefined }],
  ])('fails for a message without %s', (_field, overrides) => {
    // GIVEN a receive result missing a field every record needs
    // WHEN it is turned into a record
    // THEN it is refused rather than delivered half-built
    expect(() => toSqsRecord(message(overrides), QUEUE_ARN, 'us-east-1')).toThrow(MalformedMessageError);
  });
});

describe('interpretBatchResponse with ReportBatchItemFailures', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty object', {}],
    ['a null list', { batchItemFailures: null }],
    ['an empty list', { batchItemFailures: [] }],
  ])('treats %s as the whole batch succeeded', (_case, response) => {
    // GIVEN a response that reports no failure
    // WHEN Lambda reads it
    // THEN every record is done
    expect(interpretBatchResponse(response, IDS, true)).toEqual({ kind: 'all-succeeded' });
  });

  it('reports exactly the listed records as failed', () => {
    // GIVEN a response naming two records of the batch, one of them twice
    const response = {
      batchItemFailures: [{ itemIdentifier: 'm-2' }, { itemIdentifier: 'm-3' }, { itemIdentifier: 'm-2' }],
    };
    // WHEN Lambda reads it
    // THEN only those two failed
    expect(interpretBatchResponse(response, IDS, true)).toEqual({
      kind: 'partial',
      failedIds: ['m-2', 'm-3'],
    });
  });

  it.each([
    ['a string', 'ok'],
    ['a number', 42],
    ['a boolean', true],
    ['a list', [{ itemIdentifier: 'm-1' }]],
    ['batchItemFailures that is not a list', { batchItemFailures: 'm-1' }],
    ['an item that is not an object', { batchItemFailures: ['m-1'] }],
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a misspelt key', { batchItemFailures: [{ ItemIdentifier: 'm-1' }] }],
    ['a numeric itemIdentifier', { batchItemFailures: [{ itemIdentifier: 1 }] }],
    ['an id that is not in the batch', { batchItemFailures: [{ itemIdentifier: 'm-9' }] }],
    [
      'a valid item next to a bad one',
      { batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'elsewhere' }] },
    ],
  ])('fails the whole batch for %s', (_case, response) => {
    // GIVEN a malformed batch response
    // WHEN Lambda reads it
    const outcome = interpretBatchResponse(response, IDS, true);
    // THEN nothing is acknowledged: the whole batch is retried
    expect(outcome.kind).toBe('batch-failed');
    expect(messagesToDelete(outcome, IDS)).toEqual([]);
  });
});

describe('interpretBatchResponse without ReportBatchItemFailures', () => {
  it('treats any response as the whole batch succeeded', () => {
    // GIVEN a mapping without partial batch responses and a response listing failures
    const response = { batchItemFailures: [{ itemIdentifier: 'm-1' }] };
    // WHEN Lambda reads it
    // THEN it ignores the list, as Lambda does when the feature is off
    expect(interpretBatchResponse(response, IDS, false)).toEqual({ kind: 'all-succeeded' });
  });
});

describe('messagesToDelete', () => {
  it('deletes every record of a successful batch', () => {
    expect(messagesToDelete({ kind: 'all-succeeded' }, IDS)).toEqual(IDS);
  });

  it('deletes all but the failed records of a partial failure', () => {
    expect(messagesToDelete({ kind: 'partial', failedIds: ['m-2'] }, IDS)).toEqual(['m-1', 'm-3']);
  });

  it('deletes nothing when the batch failed', () => {
    // GIVEN a batch whose invocation threw or timed out
    // WHEN Lambda settles it
    // THEN every message stays for redelivery after the visibility timeout
    expect(messagesToDelete({ kind: 'batch-failed', reason: 'Sandbox.Timedout' }, IDS)).toEqual([]);
  });
});
