import {
  type AnyContract,
  type DataOf,
  type DetailOf,
  type DetailType,
  idempotencyKeyFor,
  MAX_EVENT_BYTES,
  sourceFor,
} from '../contracts';
import { EventTooLargeError, InvalidEventError, schemaIssues } from './errors';

export type EventDetail = DetailOf<AnyContract>;

/** An event ready for the bus: what a step stores in the order's outbox slot and then publishes. */
export interface OutgoingEvent {
  readonly detailType: DetailType;
  readonly detail: EventDetail;
}

export interface EventOrigin {
  readonly orderId: string;
  readonly eventId: string;
  readonly occurredAt: Date;
  /** Id of the event this one answers; absent for OrderPlaced. */
  readonly causationId?: string;
}

/**
 * Builds a contract-valid event with its metadata and refuses it, before anything is written, if it
 * breaks its schema or would be too large for PutEvents.
 */
export function buildEvent<C extends AnyContract>(
  contract: C,
  data: DataOf<C>,
  origin: EventOrigin,
  maxBytes: number = MAX_EVENT_BYTES,
): OutgoingEvent {
  const parsed = contract.detail.safeParse({
    metadata: {
      eventId: origin.eventId,
      correlationId: origin.orderId,
      ...(origin.causationId === undefined ? {} : { causationId: origin.causationId }),
      idempotencyKey: idempotencyKeyFor(origin.orderId, contract.detailType),
      schemaVersion: contract.schemaVersion,
      occurredAt: origin.occurredAt.toISOString(),
    },
    data,
  });
  if (!parsed.success) {
    throw new InvalidEventError(contract.detailType, schemaIssues(parsed.error, 'detail'));
  }
  const event: OutgoingEvent = { detailType: contract.detailType, detail: parsed.data as EventDetail };
  assertEventSize(event, maxBytes);
  return event;
}

export function assertEventSize(event: OutgoingEvent, maxBytes: number = MAX_EVENT_BYTES): void {
  const size = eventEntrySize(event);
  if (size > maxBytes) {
    throw new EventTooLargeError(event.detailType, size, maxBytes);
  }
}

/** Size of the PutEvents entry that carries `event` on this pipeline's bus. */
export function eventEntrySize(event: OutgoingEvent): number {
  return putEventsEntrySize({
    Source: sourceFor(event.detailType),
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
  });
}

export interface PutEventsEntryFields {
  readonly Time?: Date;
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly Resources?: readonly string[];
}

/**
 * The entry size as EventBridge computes it against its limit ("Calculating PutEvents event entry
 * size" in the EventBridge user guide): a set Time counts 14 bytes, strings count their UTF-8 bytes.
 * Hand-written because no SDK helper exists.
 */
export function putEventsEntrySize(entry: PutEventsEntryFields): number {
  let size = entry.Time === undefined ? 0 : 14;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (text !== undefined) size += Buffer.byteLength(text, 'utf8');
  }
  return size;
}

/** A parsed incoming event, discriminated on its detail type. */
export type IncomingEvent<C extends AnyContract = AnyContract> = C extends AnyContract
  ? { readonly detailType: C['detailType']; readonly detail: DetailOf<C> }
  : never;
