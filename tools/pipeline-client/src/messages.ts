import type { Message } from '@aws-sdk/client-sqs';
import type { DlqKind } from './discovery';

/**
 * What an operator may see of a dead-lettered message: identifiers and the failure reason, never the
 * payload (events carry customer ids, addresses, amounts).
 */

/** Message attributes EventBridge sets on an event it sends to a rule target's DLQ. */
export const TARGET_DLQ_ATTRIBUTES = [
  'ERROR_CODE',
  'ERROR_MESSAGE',
  'EXHAUSTED_RETRY_CONDITION',
  'RETRY_ATTEMPTS',
  'RULE_ARN',
  'TARGET_ARN',
] as const;

export interface MessageSummary {
  readonly messageId: string;
  /** `detail-type` of the EventBridge event in the body; undefined when the body is not an event. */
  readonly detailType?: string;
  readonly orderId?: string;
  readonly eventId?: string;
  /** When the message was first sent (to the source queue, for a source DLQ). */
  readonly sentAt?: string;
  readonly receiveCount?: number;
  readonly firstReceivedAt?: string;
  /** The source queue SQS moved it from (AWS sets this; emulators may not). */
  readonly deadLetterSourceArn?: string;
  /** Why it failed, where the message says so (rule-target DLQs); otherwise where to look. */
  readonly reason: string;
  /** EventBridge's failure attributes, for rule-target DLQs. */
  readonly errorAttributes?: Readonly<Record<string, string>>;
  readonly bodyBytes: number;
  /** Set when the body is not JSON or not an EventBridge event. */
  readonly bodyProblem?: string;
}

/** The EventBridge event an SQS target receives (and a target DLQ keeps). */
export interface EventBridgeEvent {
  readonly 'detail-type': string;
  readonly source: string;
  readonly detail: unknown;
  readonly id?: string;
  readonly time?: string;
  readonly resources?: readonly string[];
}

export function parseEventBody(body: string | undefined): { event?: EventBridgeEvent; problem?: string } {
  if (body === undefined || body === '') return { problem: 'empty body' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { problem: 'body is not JSON' };
  }
  const e = parsed as Partial<EventBridgeEvent> | null;
  if (
    typeof e !== 'object' ||
    e === null ||
    typeof e['detail-type'] !== 'string' ||
    typeof e.source !== 'string' ||
    typeof e.detail !== 'object' ||
    e.detail === null
  ) {
    return { problem: 'body is not an EventBridge event (no detail-type, source and detail)' };
  }
  return { event: e as EventBridgeEvent };
}

/** The string at `path` inside `value`; undefined where the path or the string is missing. */
export function stringAt(value: unknown, ...path: string[]): string | undefined {
  let v: unknown = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return typeof v === 'string' ? v : undefined;
}

/**
 * The order an event is about: its correlation id (what the functions log), else its data's orderId (all
 * a minimal event such as the benchmark floor's carries). The functions accept an event only when the two
 * agree (lambda/adapters/event-record.ts).
 */
export function orderIdOfEvent(event: EventBridgeEvent | undefined): string | undefined {
  return stringAt(event?.detail, 'metadata', 'correlationId') ?? stringAt(event?.detail, 'data', 'orderId');
}

function isoFromMillis(text: string | undefined): string | undefined {
  const n = Number(text);
  return text !== undefined && Number.isFinite(n) && n > 0 ? new Date(n).toISOString() : undefined;
}

export function summariseMessage(message: Message, kind: DlqKind, step: string): MessageSummary {
  const { event, problem } = parseEventBody(message.Body);
  const attrs = message.Attributes ?? {};
  const errorAttributes = Object.fromEntries(
    TARGET_DLQ_ATTRIBUTES.flatMap((name) => {
      const value = message.MessageAttributes?.[name]?.StringValue;
      return value === undefined ? [] : [[name, value]];
    }),
  );
  const hasErrorAttributes = Object.keys(errorAttributes).length > 0;
  const orderId = orderIdOfEvent(event);
  const reason =
    kind === 'target'
      ? hasErrorAttributes
        ? `EventBridge: ${errorAttributes.ERROR_CODE ?? 'unknown error'}${errorAttributes.ERROR_MESSAGE ? ` (${errorAttributes.ERROR_MESSAGE})` : ''}`
        : 'EventBridge gave no ERROR_CODE attribute'
      : `not on the message: the ${step} function logged it; search its log group for messageId ${message.MessageId ?? '?'}${orderId ? ` or orderId ${orderId}` : ''}`;
  const receiveCount = Number(attrs.ApproximateReceiveCount);
  return {
    messageId: message.MessageId ?? '',
    ...(event ? { detailType: event['detail-type'] } : {}),
    ...(orderId ? { orderId } : {}),
    ...(stringAt(event?.detail, 'metadata', 'eventId')
      ? { eventId: stringAt(event?.detail, 'metadata', 'eventId') }
      : {}),
    ...(isoFromMillis(attrs.SentTimestamp) ? { sentAt: isoFromMillis(attrs.SentTimestamp) } : {}),
    ...(Number.isFinite(receiveCount) && attrs.ApproximateReceiveCount !== undefined ? { receiveCount } : {}),
    ...(isoFromMillis(attrs.ApproximateFirstReceiveTimestamp)
      ? { firstReceivedAt: isoFromMillis(attrs.ApproximateFirstReceiveTimestamp) }
      : {}),
    ...(attrs.DeadLetterQueueSourceArn ? { deadLetterSourceArn: attrs.DeadLetterQueueSourceArn } : {}),
    reason,
    ...(hasErrorAttributes ? { errorAttributes } : {}),
    bodyBytes: Buffer.byteLength(message.Body ?? '', 'utf8'),
    ...(problem ? { bodyProblem: problem } : {}),
  };
}
