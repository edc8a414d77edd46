import type { DemoDriver } from './drive';
import type { DemoOrder, Scenario } from './scenario';

/**
 * An order placed puts one message on each queue whose rule takes OrderPlaced (validate-order's only;
 * analytics takes final facts): how many orders fit into a backlog of `messages`.
 */
const MESSAGES_PER_PLACED_ORDER = 1;
function ordersFor(messages: number): number {
  return Math.max(1, Math.ceil(messages / MESSAGES_PER_PLACED_ORDER));
}

/**
 * Places a scenario's orders in portions: all at once, or, with a backlog, as many as fill the consumer
 * queues up to `maxBacklog` messages and more each time they drain (RunOptions.maxBacklog).
 */
export class OrderFeeder {
  /** Scenario order id -> when its `POST /orders` was sent (epoch ms). */
  readonly placedAt = new Map<string, number>();
  private readonly unplaced: DemoOrder[];

  constructor(
    private readonly driver: Pick<DemoDriver, 'placeOrders'>,
    private readonly scenario: Scenario,
    private readonly maxBacklog?: number,
  ) {
    this.unplaced = [...scenario.orders];
  }

  /** Orders not placed yet. */
  get remaining(): number {
    return this.unplaced.length;
  }

  /** The first portion: every order, or as many as fill the backlog. */
  async start(): Promise<void> {
    await this.place(this.maxBacklog === undefined ? this.unplaced.length : ordersFor(this.maxBacklog));
  }

  /** More orders, if the consumer queues hold fewer than the backlog (`queued` messages). */
  async topUp(queued: number): Promise<void> {
    if (this.maxBacklog !== undefined && queued < this.maxBacklog) {
      await this.place(ordersFor(this.maxBacklog - queued));
    }
  }

  private async place(count: number): Promise<void> {
    const next = this.unplaced.splice(0, count);
    if (next.length === 0) return;
    for (const [orderId, at] of await this.driver.placeOrders({ ...this.scenario, orders: next })) {
      this.placedAt.set(orderId, at);
    }
  }
}
