import type { DetailType } from '../contracts';
import { OrderNotFoundError, UnexpectedOrderStateError } from './errors';
import type { OutgoingEvent } from './events';
import type { OrderRecord, OrderStatus } from './order';
import type { OrderStepDeps, WriteResult } from './ports';

/**
 * The per-order outbox (docs/design.md): a step's single conditional write moves the order and stores
 * the event it will publish; then the event is published and marked. A repeat finds the order moved on
 * and only publishes a stored event that never reached the bus.
 */

export type StepResult =
  | { readonly outcome: 'transitioned'; readonly published: DetailType }
  | { readonly outcome: 'republished'; readonly published: DetailType }
  | { readonly outcome: 'duplicate' };

export interface StepSpec {
  readonly orderId: string;
  /** The state the step acts on; `absent` for validate-order, which creates the order. */
  readonly expected: OrderStatus | 'absent';
  /** What the step may publish: the outbox entries a repeat looks for. */
  readonly publishes: readonly DetailType[];
}

type PublishDeps = Pick<OrderStepDeps, 'orders' | 'publisher' | 'clock' | 'logger' | 'faults'>;

/** Write (conditionally), then publish the stored event; on a lost condition, settle as a repeat. */
export async function writeThenPublish(
  step: StepSpec,
  event: OutgoingEvent,
  write: () => Promise<WriteResult>,
  deps: PublishDeps,
): Promise<StepResult> {
  await deps.faults.at('before-write', step.orderId);
  if ((await write()) === 'condition-failed') {
    return settleRepeat(step, await deps.orders.get(step.orderId), deps);
  }
  return publishAfterWrite(step.orderId, event, deps);
}

export async function publishAfterWrite(
  orderId: string,
  event: OutgoingEvent,
  deps: PublishDeps,
): Promise<StepResult> {
  await deps.faults.at('after-write', orderId);
  await publishAndMark(orderId, event, deps);
  deps.logger.info('order transitioned', { published: event.detailType });
  return { outcome: 'transitioned', published: event.detailType };
}

/**
 * The step's write was refused: another delivery of the same fact got there first (or crashed after
 * its write). Publish the stored event if it never reached the bus, otherwise do nothing.
 */
export async function settleRepeat(
  step: StepSpec,
  order: OrderRecord | undefined,
  deps: PublishDeps,
): Promise<StepResult> {
  if (order === undefined) {
    if (step.expected === 'absent') {
      throw new UnexpectedOrderStateError(step.orderId, 'the create was refused but no order exists');
    }
    throw new OrderNotFoundError(step.orderId);
  }
  if (order.status === step.expected) {
    throw new UnexpectedOrderStateError(
      step.orderId,
      `still ${order.status}: the write was refused for another reason`,
    );
  }
  for (const detailType of step.publishes) {
    const entry = order.outbox[detailType];
    if (entry !== undefined && entry.publishedAt === undefined) {
      await publishAndMark(step.orderId, { detailType, detail: entry.detail }, deps);
      deps.logger.info('repeat delivery: published the stored event', { published: detailType });
      return { outcome: 'republished', published: detailType };
    }
  }
  deps.logger.info('repeat delivery: already done, nothing to do', { status: order.status });
  return { outcome: 'duplicate' };
}

async function publishAndMark(orderId: string, event: OutgoingEvent, deps: PublishDeps): Promise<void> {
  await deps.faults.at('before-publish', orderId);
  await deps.publisher.publish([event]);
  await deps.orders.markPublished(orderId, event.detailType, deps.clock.now().toISOString());
}
