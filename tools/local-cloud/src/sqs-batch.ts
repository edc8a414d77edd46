import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSMessageAttribute, SQSRecord } from 'aws-lambda';

/**
 * What the Lambda service does around an SQS batch, as pure functions: the event record it builds from
 * a received message, and how it reads the function's answer (ReportBatchItemFailures semantics,
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).
 */

/** A message that is not a usable SQS receive result (no id, handle or body). */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

function toRecordAttribute(value: MessageAttributeValue): SQSMessageAttribute {
  return {
    stringValue: value.StringValue,
    // Lambda delivers binary values base64-encoded, as they travel in SQS's JSON protocol.
    binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
    dataType: value.DataType ?? 'String',
  };
}

/** The record Lambda puts in `event.Records` for one received message. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  if (!message.MessageId || !message.ReceiptHandle || message.Body === undefined) {
    throw new MalformedMessageError('received a message without MessageId, ReceiptHandle or Body');
  }
  const attributes = (message.Attributes ?? {}) as SQSRecord['attributes'];
  const messageAttributes = Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, toRecordAttribute(value)]),
  );
  const record: SQSRecord = {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body,
    attributes,
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
  // Lambda includes the attributes digest only when the message has attributes.
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

export type BatchOutcome =
  | { readonly kind: 'all-succeeded' }
  /** Only these message ids failed; every other record of the batch is deleted. */
  | { readonly kind: 'partial'; readonly failedIds: readonly string[] }
  /** Nothing is deleted: every record comes back after the visibility timeout. */
  | { readonly kind: 'batch-failed'; readonly reason: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * How Lambda reads a successful invocation's response for an SQS mapping.
 *
 * Without ReportBatchItemFailures any response means the whole batch succeeded. With it:
 * - null / undefined, `{}`, `batchItemFailures` null or empty: the whole batch succeeded;
 * - a list of `{ itemIdentifier }` naming records of the batch: only those failed;
 * - anything else (not an object, `batchItemFailures` not a list, an item that is not an object, an
 *   itemIdentifier that is missing, not a string, empty, or not a message id of this batch): the whole
 *   batch failed. Never acknowledge what the function did not clearly report as done.
 */
export function interpretBatchResponse(
  response: unknown,
  batchMessageIds: readonly string[],
  reportBatchItemFailures: boolean,
): BatchOutcome {
  if (!reportBatchItemFailures) return { kind: 'all-succeeded' };
  if (response === null || response === undefined) return { kind: 'all-succeeded' };
  if (!isPlainObject(response)) {
    return { kind: 'batch-failed', reason: `malformed batch response: a ${typeof response}, not an object` };
  }
  const failures = response.batchItemFailures;
  if (failures === null || failures === undefined) return { kind: 'all-succeeded' };
  if (!Array.isArray(failures)) {
    return { kind: 'batch-failed', reason: 'malformed batch response: batchItemFailures is not a list' };
  }
  if (failures.length === 0) return { kind: 'all-succeeded' };

  const inBatch = new Set(batchMessageIds);
  const failedIds: string[] = [];
  for (const item of failures) {
    if (!isPlainObject(item)) {
      return { kind: 'batch-failed', reason: 'malformed batch response: an item is not an object' };
    }
    const id = item.itemIdentifier;
    if (typeof id !== 'string' || id === '') {
      return {
        kind: 'batch-failed',
        reason: 'malformed batch response: an item has no itemIdentifier, or an empty one',
      };
    }
    if (!inBatch.has(id)) {
      return {
        kind: 'batch-failed',
        reason: `malformed batch response: itemIdentifier ${JSON.stringify(id).slice(0, 80)} is not a message of this batch`,
      };
    }
    if (!failedIds.includes(id)) failedIds.push(id);
  }
  return { kind: 'partial', failedIds };
}

/** The message ids whose messages Lambda deletes after an invocation with this outcome. */
export function messagesToDelete(outcome: BatchOutcome, batchMessageIds: readonly string[]): string[] {
  switch (outcome.kind) {
    case 'all-succeeded':
      return [...batchMessageIds];
    case 'partial': {
      const failed = new Set(outcome.failedIds);
      return batchMessageIds.filter((id) => !failed.has(id));
    }
    case 'batch-failed':
      return [];
  }
}
