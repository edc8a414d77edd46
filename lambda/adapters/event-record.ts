import type { SQSRecord } from 'aws-lambda';
import { type AnyContract, idempotencyKeyFor, MAX_EVENT_BYTES } from '../contracts';
import { type SchemaIssue, schemaIssues } from '../domain/errors';
import type { IncomingEvent } from '../domain/events';
import * as z from '../shared/zod';

/**
 * The record is not an event this function accepts. It fails on every delivery, so after
 * maxReceiveCount it rests in the DLQ; the issues (paths and codes, never values) say why.
 */
export class InvalidRecordError extends Error {
  override readonly name = 'InvalidRecordError';
  constructor(
    readonly messageId: string,
    readonly issues: readonly SchemaIssue[],
  ) {
    super(
      `record ${messageId} is not a valid event: ${issues.map((i) => `${i.path} (${i.code})`).join(', ')}`,
    );
  }
}

export type ParsedRecord<C extends AnyContract = AnyContract> = IncomingEvent<C> & {
  readonly messageId: string;
  /** ApproximateReceiveCount: 1 on the first delivery. */
  readonly receiveCount: number;
  /** EventBridge's id of this delivery of the fact; never used for deduplication (a retry gets a new one). */
  readonly eventBridgeId: string;
};

/**
 * The EventBridge envelope as it arrives in an SQS body. The same fields as
 * Powertools' `EventBridgeSchema`, restated because that module imports zod as `{ z }`, which defeats
 * tree shaking and adds about 350 KB of zod to every bundle (see the bundle benchmark in the README).
 */
const envelope = z.object({
  version: z.string(),
  id: z.string(),
  source: z.string(),
  account: z.string(),
  time: z.iso.datetime(),
  region: z.string(),
  resources: z.array(z.string()),
  'detail-type': z.string(),
  detail: z.unknown(),
  'replay-name': z.optional(z.string()),
});

/** An event's detail may be MAX_EVENT_BYTES; the envelope around it adds well under 4 KiB. */
const MAX_BODY_BYTES = MAX_EVENT_BYTES + 4 * 1024;

/**
 * Parses an SQS record carrying an EventBridge event into one of `contracts`, or throws an
 * InvalidRecordError. Hand-written around the Powertools envelope schema rather than its parser
 * because the detail schema depends on the detail type, and because its errors quote the input
 * (JSON.parse messages include a snippet of the body), which may hold personal data.
 */
export function parseEventRecord<const C extends readonly AnyContract[]>(
  record: SQSRecord,
  contracts: C,
): ParsedRecord<C[number]> {
  const messageId = String(record.messageId);
  const fail = (issues: SchemaIssue[]): never => {
    throw new InvalidRecordError(messageId, issues);
  };

  if (typeof record.body !== 'string') return fail([{ path: 'body', code: 'invalid_type' }]);
  if (Buffer.byteLength(record.body, 'utf8') > MAX_BODY_BYTES)
    return fail([{ path: 'body', code: 'too_big' }]);
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    return fail([{ path: 'body', code: 'invalid_json' }]);
  }

  const event = envelope.safeParse(body);
  if (!event.success) return fail(schemaIssues(event.error));
  const contract = contracts.find((c) => c.detailType === event.data['detail-type']);
  if (contract === undefined) return fail([{ path: 'detail-type', code: 'unknown_detail_type' }]);
  // Only the rightful producer states a fact. The rules already match (source, detail type) pairs; this
  // holds even for a message sent to the queue some other way.
  if (event.data.source !== contract.source) return fail([{ path: 'source', code: 'not_the_producer' }]);

  const detail = contract.detail.safeParse(event.data.detail);
  if (!detail.success) return fail(schemaIssues(detail.error, 'detail'));
  const { metadata, data } = detail.data as {
    metadata: { correlationId: string; idempotencyKey: string };
    data: { orderId: string };
  };
  // Deduplication and tracing trust these two fields, so they must agree with the order they describe.
  const mismatches: SchemaIssue[] = [];
  if (metadata.correlationId !== data.orderId) {
    mismatches.push({ path: 'detail.metadata.correlationId', code: 'not_the_order_id' });
  }
  if (metadata.idempotencyKey !== idempotencyKeyFor(data.orderId, contract.detailType)) {
    mismatches.push({ path: 'detail.metadata.idempotencyKey', code: 'not_the_business_key' });
  }
  if (mismatches.length > 0) return fail(mismatches);

  const receiveCount = Number.parseInt(record.attributes?.ApproximateReceiveCount ?? '', 10);
  // The detail was parsed by the contract of its own detail type, one of C: the pair is consistent.
  const parsed = {
    detailType: contract.detailType,
    detail: detail.data,
    messageId,
    receiveCount: Number.isSafeInteger(receiveCount) && receiveCount > 0 ? receiveCount : 1,
    eventBridgeId: event.data.id,
  };
  return parsed as unknown as ParsedRecord<C[number]>;
}
