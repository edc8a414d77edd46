import { isDeepStrictEqual } from 'node:util';
import { contractFor, type DetailType, idempotencyKeyFor, metadata } from '../contracts';
import type { EventDetail, OutgoingEvent } from './events';
import type { OrderRecord } from './order';

/**
 * The outbox slot holds the event of the order's latest transition without the fields the order item
 * already holds (ADR 6): the order's id, customer, lines, currency and total, the attributes the same
 * write sets (a reason, a fulfilment id), and the metadata that follow from them (correlation id,
 * idempotency key, schema version, and the time and cause of the transition, which its history entry
 * records). What is left is the event id and whatever the order does not hold (a payment id, the lines
 * that were short). An order item then stays under 1 KB, one write unit, for the whole flow of an
 * ordinary order instead of growing past it with a second copy of the order in every event.
 *
 * `storedEvent` reads the event back from the item; a slot written in full (before this design, or an
 * event that would not read back exactly) reads back as it was.
 */

/** What the item holds that an event may repeat: its attributes, and its latest history entry. */
export interface SlotSource {
  readonly orderId: string;
  /** The transition's time: the event's `occurredAt`. */
  readonly at: string;
  /** The id of the event that caused the transition: the event's `causationId`. */
  readonly causationId?: string;
  /** Attributes of the item after the write, by name. */
  readonly attributes: Readonly<Record<string, unknown>>;
}

const METADATA_KEYS = Object.keys(metadata.shape);

/** The slot for `event` in an item that holds `source` once the write is applied. */
export function outboxSlot(event: OutgoingEvent, source: SlotSource): OutgoingEvent {
  const derived = derivedDetail(event.detailType, source);
  const slot: OutgoingEvent = {
    detailType: event.detailType,
    detail: {
      metadata: withoutDerived(event.detail.metadata, derived.metadata),
      data: withoutDerived(event.detail.data, derived.data),
    } as EventDetail,
  };
  // An event that does not read back exactly (one lacking a field the item holds, such as an optional
  // field, or metadata that do not match its transition) is stored in full: a repeat must publish it as
  // it was, and `expand` returns a full slot unchanged.
  return isDeepStrictEqual(expand(slot, source), event)
    ? slot
    : { detailType: event.detailType, detail: event.detail };
}

/** The event in the order's outbox slot, as it was published. */
export function storedEvent(order: OrderRecord): OutgoingEvent {
  const latest = order.history.at(-1);
  return expand(order.outbox, {
    orderId: order.orderId,
    at: latest?.at ?? '',
    ...(latest?.eventId === undefined ? {} : { causationId: latest.eventId }),
    attributes: order as unknown as Record<string, unknown>,
  });
}

function expand(slot: OutgoingEvent, source: SlotSource): OutgoingEvent {
  if (isFull(slot)) return slot;
  const derived = derivedDetail(slot.detailType, source);
  const stored = slot.detail as unknown as { metadata: Fields; data: Fields };
  return {
    detailType: slot.detailType,
    detail: {
      metadata: merged(METADATA_KEYS, stored.metadata, derived.metadata),
      data: merged(dataKeysOf(slot.detailType), stored.data, derived.data),
    } as EventDetail,
  };
}

type Fields = Readonly<Record<string, unknown>>;

/**
 * A slot written in full: by `outboxSlot`'s fallback, or before slots were compacted. Its idempotency key
 * is there, which a compact slot never keeps unless the event does not read back, and then it is full.
 */
function isFull(slot: OutgoingEvent): boolean {
  return (slot.detail.metadata as Fields | undefined)?.idempotencyKey !== undefined;
}

function derivedDetail(detailType: DetailType, source: SlotSource): { metadata: Fields; data: Fields } {
  const contract = contractFor(detailType);
  if (contract === undefined) throw new Error(`no contract for detail type ${detailType}`);
  const data: Record<string, unknown> = {};
  for (const key of dataKeysOf(detailType)) {
    if (source.attributes[key] !== undefined) data[key] = source.attributes[key];
  }
  return {
    metadata: {
      correlationId: source.orderId,
      ...(source.causationId === undefined ? {} : { causationId: source.causationId }),
      idempotencyKey: idempotencyKeyFor(source.orderId, detailType),
      schemaVersion: contract.schemaVersion,
      occurredAt: source.at,
    },
    data,
  };
}

/** The fields of the contract's data, in schema order (the order a parsed event has them in). */
function dataKeysOf(detailType: DetailType): string[] {
  const schema = contractFor(detailType)?.data as { shape?: Fields } | undefined;
  return Object.keys(schema?.shape ?? {});
}

function withoutDerived(fields: object, derived: Fields): Fields {
  return Object.fromEntries(
    Object.entries(fields).filter(([key, value]) => !isDeepStrictEqual(value, derived[key])),
  );
}

/** `keys` in order, each from `stored` if it has it, else from `derived`; absent in both: left out. */
function merged(keys: readonly string[], stored: Fields, derived: Fields): Fields {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = key in stored ? stored[key] : derived[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
