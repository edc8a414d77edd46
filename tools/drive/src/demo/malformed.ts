import { isDeepStrictEqual } from 'node:util';
import { parseEventBody } from '@order-pipeline/pipeline-client/messages';
import { CLIENT_SOURCE, idempotencyKeyFor, ORDER_PLACED, OrderPlaced } from '../../../../lambda/contracts';
import { CATALOGUE } from './catalogue';
import type { DeadLetterCheck } from './outcome';

/**
 * The demo's malformed event: an OrderPlaced that breaks its contract, put on the bus directly (the
 * producer would refuse it), and how it is recognised in a dead-letter queue.
 */

export interface MalformedEvent {
  /** Its data.orderId and correlation id: how it is found in a dead-letter queue. */
  readonly id: string;
  readonly detailType: typeof ORDER_PLACED;
  readonly detail: Readonly<Record<string, unknown>>;
  /** Why the consumers refuse it. */
  readonly defect: string;
}

/**
 * A complete OrderPlaced detail except for two defects the schema refuses: a line of zero units and a
 * currency that is not an ISO code. Its metadata is right, so it is traceable by its order id.
 */
export function malformedEvent(
  id: string,
  input: { readonly now: Date; readonly eventId: string },
): MalformedEvent {
  const product = CATALOGUE[0];
  const detail = {
    metadata: {
      eventId: input.eventId,
      correlationId: id,
      idempotencyKey: idempotencyKeyFor(id, ORDER_PLACED),
      schemaVersion: OrderPlaced.schemaVersion,
      occurredAt: input.now.toISOString(),
    },
    data: {
      orderId: id,
      customerId: 'cus-malformed',
      lines: [{ productId: product.productId, quantity: 0, unitPrice: product.unitPrice }],
      currency: 'euro',
      totalAmount: 0,
    },
  };
  return {
    id,
    detailType: ORDER_PLACED,
    detail,
    defect: 'a line of 0 units and currency "euro"',
  };
}

/** Whether an SQS body is the malformed event as it was put on the bus (source, detail type, detail). */
export function malformedCheck(body: string | undefined, malformed: MalformedEvent): DeadLetterCheck {
  const { event } = parseEventBody(body);
  const detail = event?.detail as { metadata?: { correlationId?: unknown } } | undefined;
  if (!event || detail?.metadata?.correlationId !== malformed.id) return 'absent';
  const same =
    event.source === CLIENT_SOURCE &&
    event['detail-type'] === malformed.detailType &&
    isDeepStrictEqual(event.detail, malformed.detail);
  return same ? 'original-body' : 'changed-body';
}
