import type { DemoDriver } from '../demo/drive';
import { orderReadIntervalMs } from '../demo/play';

/**
 * Polls the orders of `ids` placed so far until every one is final and the queues are empty (twice in a
 * row), or the deadline passes; `onPoll` runs after each poll with the queue depth (to place more).
 * Reads pending orders as the demo does (orderReadIntervalMs): each read is a `GET /orders/{orderId}`.
 */
export async function followUntilFinal(
  driver: DemoDriver,
  ids: readonly string[],
  placedAt: ReadonlyMap<string, number>,
  options: {
    readonly deadline: number;
    readonly isFinal: (status: string | undefined) => boolean;
    readonly onPoll: (final: number, queued: number) => Promise<void>;
    /** More orders are still to be placed: not done even if every placed one is final. */
    readonly placing?: () => boolean;
    /**
     * Also wait for the queues to empty, so nothing of the phase is left for the next one's runner.
     * @default true
     */
    readonly settle?: boolean;
    /**
     * Read the orders only once the queues are empty, when they should be final: each read is a
     * function invocation, which would load the pipeline whose idle latency is being measured.
     * @default false - every orderReadIntervalMs
     */
    readonly readWhenIdle?: boolean;
  },
): Promise<number> {
  const pending = new Set(ids);
  let nextReadAt = 0;
  let idle = false;
  let emptyPolls = 0;
  const settled = () => !(options.settle ?? true) || emptyPolls >= 2;
  while ((pending.size > 0 || !settled() || options.placing?.()) && Date.now() < options.deadline) {
    await new Promise((r) => setTimeout(r, 1_000));
    const placedPending = [...pending].filter((id) => placedAt.has(id));
    const mayRead = options.readWhenIdle ? idle : Date.now() >= nextReadAt;
    if (placedPending.length > 0 && mayRead) {
      for (const [id, order] of await driver.readOrders(placedPending)) {
        if (options.isFinal(order.status)) pending.delete(id);
      }
      nextReadAt = Date.now() + orderReadIntervalMs(placedPending.length);
    }
    const queued = Object.values(await driver.depths(driver.targets.queues)).reduce((a, b) => a + b, 0);
    await options.onPoll(ids.length - pending.size, queued);
    emptyPolls = pending.size === 0 && queued === 0 ? emptyPolls + 1 : 0;
    // Nothing queued but orders not seen final yet: read them at the next poll.
    idle = queued === 0;
    if (idle) nextReadAt = 0;
  }
  return pending.size;
}
