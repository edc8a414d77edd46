import { createHash } from 'node:crypto';

/**
 * An id derived from the order id, so every attempt of a step computes the same one: a retry can never
 * record a second payment or fulfilment id, whichever attempt wins the conditional write.
 */
export function deterministicId(prefix: string, orderId: string): string {
  return `${prefix}-${createHash('sha256').update(orderId).digest('hex').slice(0, 32)}`;
}

/**
 * A UUID (RFC 9562 version 8, the layout for custom ids) from the SHA-256 of `parts`: the same parts
 * always give the same id. JSON keeps the parts apart, so ("a:b", "c") and ("a", "b:c") differ.
 */
export function uuidFromParts(...parts: readonly string[]): string {
  const bytes = createHash('sha256').update(JSON.stringify(parts)).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The id of the order a caller places with an idempotency key. Derived, not random: an attempt that runs
 * again after a crash (its idempotency record gone) places the same order, never a second one.
 */
export function orderIdFor(caller: string, idempotencyKey: string): string {
  return uuidFromParts('order', caller, idempotencyKey);
}

/** The id of an API order's OrderPlaced event: every attempt publishes the same fact. */
export function placedEventIdFor(orderId: string): string {
  return uuidFromParts('OrderPlaced', orderId);
}
