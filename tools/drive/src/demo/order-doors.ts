import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { orderPlacedEvent, placeOrders } from '@order-pipeline/pipeline-client/order-producer';
import type { PipelineReads } from '@order-pipeline/pipeline-client/reads';
import type { OrderApiClient } from './order-api';
import type { DemoOrder } from './scenario';

/**
 * How the driver places orders and reads them back. The demo goes through the front door, the HTTP API
 * (`ApiOrderDoor`); `BusOrderDoor` is the producer on the bus and the orders table, for measurements
 * whose fault injection and accounting still key on the order ids the scenario chooses.
 */

/** One entry of an order's history. */
export interface HistoryPoint {
  readonly status: string;
  /** Epoch ms. */
  readonly at: number;
}

/** An order as read back: its status, the reason of a rejection or cancellation, and its history. */
export interface OrderView {
  readonly status?: string;
  readonly reason?: string;
  readonly history: readonly HistoryPoint[];
}

export interface PlacedOrder {
  /** The id the pipeline knows the order by. */
  readonly orderId: string;
  /** When it was sent (epoch ms): where its end-to-end latency starts. */
  readonly at: number;
}

export interface OrderDoor {
  /** How orders are placed, for the progress lines (`with POST /orders`). */
  readonly description: string;
  /** Places the orders; answers by the scenario's order id. */
  place(orders: readonly DemoOrder['order'][]): Promise<Map<string, PlacedOrder>>;
  /** The orders of the given pipeline ids that exist. */
  read(orderIds: readonly string[]): Promise<Map<string, OrderView>>;
}

/** `work` over `items`, `concurrency` at a time, results in the items' order. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** API requests in flight while placing or reading orders: keeps the API busy without flooding the emulator. */
const API_CONCURRENCY = 4;

/** `POST /orders` and `GET /orders/{orderId}`: the API names each order (from the caller and the key). */
export class ApiOrderDoor implements OrderDoor {
  readonly description = 'with POST /orders';

  constructor(private readonly api: Pick<OrderApiClient, 'place' | 'read'>) {}

  async place(orders: readonly DemoOrder['order'][]): Promise<Map<string, PlacedOrder>> {
    const placed = new Map<string, PlacedOrder>();
    await mapConcurrently(orders, API_CONCURRENCY, async (order) => {
      const at = Date.now();
      const accepted = await this.api.place(order);
      placed.set(order.orderId, { orderId: accepted.orderId, at });
    });
    return placed;
  }

  async read(orderIds: readonly string[]): Promise<Map<string, OrderView>> {
    const views = await mapConcurrently(orderIds, API_CONCURRENCY, (id) => this.api.read(id));
    const found = new Map<string, OrderView>();
    for (const [i, id] of orderIds.entries()) {
      const view = views[i];
      if (view) {
        found.set(id, {
          status: view.status,
          reason: view.reason,
          history: view.history.map((e) => ({ status: e.status, at: Date.parse(e.at) })),
        });
      }
    }
    return found;
  }
}

/** EventBridge takes at most 10 entries per PutEvents call: the producer is called per 10 orders. */
const ORDERS_PER_PUT = 10;
/** PutEvents calls in flight while placing: keeps the bus busy without flooding the emulator. */
const PUT_CONCURRENCY = 4;

/** The producer on the bus (`tools/pipeline-client/src/order-producer.ts`) and the orders table: the scenario names each order. */
export class BusOrderDoor implements OrderDoor {
  readonly description = 'with PutEvents';

  constructor(
    private readonly clients: {
      readonly events: EventBridgeClient;
      readonly reads: Pick<PipelineReads, 'orderStatuses'>;
    },
    private readonly targets: { readonly eventBusName: string },
  ) {}

  /**
   * Every order contract-checked first (nothing is sent if one is invalid), then 10 per PutEvents call,
   * a few calls in flight, refused entries retried; an order's time is when the bus accepted it.
   */
  async place(orders: readonly DemoOrder['order'][]): Promise<Map<string, PlacedOrder>> {
    for (const o of orders) orderPlacedEvent(o);
    const chunks: DemoOrder['order'][][] = [];
    for (let i = 0; i < orders.length; i += ORDERS_PER_PUT) chunks.push(orders.slice(i, i + ORDERS_PER_PUT));
    const placed = new Map<string, PlacedOrder>();
    await mapConcurrently(chunks, PUT_CONCURRENCY, async (chunk) => {
      await placeOrders(chunk, { eventBusName: this.targets.eventBusName, client: this.clients.events });
      const at = Date.now();
      for (const o of chunk) placed.set(o.orderId, { orderId: o.orderId, at });
    });
    return placed;
  }

  /** Status, reason and history from the orders table (the pipeline client's projected BatchGetItem). */
  async read(orderIds: readonly string[]): Promise<Map<string, OrderView>> {
    const found = new Map<string, OrderView>();
    for (const [orderId, read] of await this.clients.reads.orderStatuses(orderIds)) {
      found.set(orderId, {
        status: read.status,
        reason: read.reason,
        history: read.history.map((e) => ({ status: e.status, at: Date.parse(e.at) })),
      });
    }
    return found;
  }
}
