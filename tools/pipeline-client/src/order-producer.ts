import { randomUUID } from 'node:crypto';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  EventBridgePublisher,
  type EventBridgePublisherOptions,
} from '../../../lambda/adapters/event-publisher';
import { type OrderLine, OrderPlaced, type OrderPlacedDetail } from '../../../lambda/contracts';
import { buildEvent, type OutgoingEvent } from '../../../lambda/domain/events';
import type { Clock, IdGenerator } from '../../../lambda/domain/ports';

/**
 * A client of the pipeline: places orders on a deployed stage's bus as a storefront would. No function
 * uses it; the operations CLI, the local demo and the integration tests do.
 */

export interface OrderToPlace {
  readonly orderId: string;
  readonly customerId: string;
  readonly lines: readonly OrderLine[];
  readonly currency: string;
  /** @default the sum of quantity x unit price (set it to place an order that fails validation) */
  readonly totalAmount?: number;
  /** Pass the event id of an earlier attempt to re-send the same fact. @default a new UUID */
  readonly eventId?: string;
  /** @default now */
  readonly occurredAt?: Date;
}

export interface PlaceOrdersOptions {
  readonly eventBusName: string;
  readonly client: EventBridgeClient;
  /** @default the system clock */
  readonly clock?: Clock;
  /** @default random UUIDs */
  readonly ids?: IdGenerator;
  /** Retry settings of the publisher (tests pass a no-op sleep). */
  readonly publisher?: Omit<EventBridgePublisherOptions, 'client' | 'eventBusName'>;
}

/** Builds the OrderPlaced event of one order, refusing it if it breaks the contract or the size limit. */
export function orderPlacedEvent(
  order: OrderToPlace,
  options: Pick<PlaceOrdersOptions, 'clock' | 'ids'> = {},
): OutgoingEvent {
  const totalAmount = order.totalAmount ?? order.lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
  return buildEvent(
    OrderPlaced,
    {
      orderId: order.orderId,
      customerId: order.customerId,
      lines: [...order.lines],
      currency: order.currency,
      totalAmount,
    },
    {
      orderId: order.orderId,
      eventId: order.eventId ?? options.ids?.newEventId() ?? randomUUID(),
      occurredAt: order.occurredAt ?? options.clock?.now() ?? new Date(),
    },
  );
}

/**
 * Places orders: builds and checks every OrderPlaced event first (nothing is sent if one is invalid),
 * then puts them on the bus, 10 per call, retrying refused entries. Returns the details sent, so a
 * caller can track the orders or re-send the same facts (same event ids).
 */
export async function placeOrders(
  orders: readonly OrderToPlace[],
  options: PlaceOrdersOptions,
): Promise<OrderPlacedDetail[]> {
  const events = orders.map((order) => orderPlacedEvent(order, options));
  const publisher = new EventBridgePublisher({
    ...options.publisher,
    client: options.client,
    eventBusName: options.eventBusName,
  });
  await publisher.publish(events);
  return events.map((event) => event.detail as OrderPlacedDetail);
}
