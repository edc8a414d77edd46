import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { OrderRecord } from '../../../lambda/domain/order';
import { storedEvent } from '../../../lambda/domain/outbox-slot';
import type { EventPublisher } from '../../../lambda/domain/ports';

/**
 * `npm run ops -- accepted`: the orders whose OrderPlaced may never have reached the bus.
 *
 * place-order stores an order ACCEPTED, then publishes its OrderPlaced. When the publish fails (EventBridge
 * unavailable or throttled past every retry, the function timed out) the client gets a 5xx, and its retry
 * with the same key publishes the stored event again (ADR 7). An order whose client never retries stays
 * ACCEPTED. This finds the orders ACCEPTED for longer than a step takes and, when asked, puts each one's
 * stored OrderPlaced on the bus again, as that retry would: validate-order moves the order on, or treats
 * the event as the duplicate it is if the first one did arrive.
 */

export interface AcceptedOrder {
  readonly order: OrderRecord;
  /** When the order was accepted (its first history entry). */
  readonly acceptedAt: string;
}

/**
 * Every order still ACCEPTED that was accepted at `cutoff` or before, oldest first. A scan: the table has
 * no index by status (one would cost a write unit per order for a case this rare), and an operator runs
 * this after an incident, not on every order.
 */
export async function findAccepted(
  ddb: DynamoDBDocumentClient,
  ordersTable: string,
  cutoff: Date,
): Promise<AcceptedOrder[]> {
  const found: AcceptedOrder[] = [];
  const pages = paginateScan(
    { client: ddb },
    {
      TableName: ordersTable,
      // Eventually consistent, at half the read units: an order that moved on a moment ago and is still
      // read as ACCEPTED gets its event again, which validate-order ignores as a duplicate.
      FilterExpression: '#status = :accepted',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':accepted': 'ACCEPTED' },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const order = item as OrderRecord;
      const acceptedAt = order.history?.[0]?.at;
      if (acceptedAt !== undefined && Date.parse(acceptedAt) <= cutoff.getTime()) {
        found.push({ order, acceptedAt });
      }
    }
  }
  return found.sort((a, b) => a.acceptedAt.localeCompare(b.acceptedAt));
}

export interface PublishOutcome {
  readonly orderId: string;
  /** Undefined when the event is on the bus. */
  readonly error?: Error;
}

/**
 * Puts each order's stored OrderPlaced on the bus again, one order at a time, so a refused entry names
 * its order and the others still go.
 */
export async function publishAccepted(
  orders: readonly AcceptedOrder[],
  publisher: EventPublisher,
): Promise<PublishOutcome[]> {
  const outcomes: PublishOutcome[] = [];
  for (const { order } of orders) {
    try {
      await publisher.publish([storedEvent(order)]);
      outcomes.push({ orderId: order.orderId });
    } catch (error) {
      outcomes.push({ orderId: order.orderId, error: error as Error });
    }
  }
  return outcomes;
}
