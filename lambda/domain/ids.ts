import { createHash } from 'node:crypto';

/**
 * An id derived from the order id, so every attempt of a step computes the same one: a retry can never
 * record a second payment or fulfilment id, whichever attempt wins the conditional write.
 */
export function deterministicId(prefix: string, orderId: string): string {
  return `${prefix}-${createHash('sha256').update(orderId).digest('hex').slice(0, 32)}`;
}
