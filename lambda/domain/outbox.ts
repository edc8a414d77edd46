import type { DetailType } from '../contracts';
import { OrderNotFoundError, UnexpectedOrderStateError } from './errors';
import type { OutgoingEvent } from './events';
import type { OrderRecord, OrderStatus } from './order';
import type { OrderStepDeps, WriteResult } from './ports';

/**
 * The per-order outbox (docs/design.md): a step's single conditional write moves the order and stores
 * the event it will publish in the order's one outbox slot; then the event is published. A repeat whose
 * event caused the order's latest transition publishes the stored event again, as that event may never
 * have reached the bus; any other repeat does nothing.
 */

export type StepResult =
  | { readonly outcome: 'transitioned'; readonly published: DetailType }
  | { readonly outcome: 'republished'; readonly published: DetailType }
  | { readonly outcome: 'duplicate' };

export interface StepSpec {
  readonly orderId: string;
  /** The state the step acts on; `absent` for validate-order, which creates the order. */
  readonly expected: OrderStatus | 'absent';
  /** Id of the incoming event (`metadata.eventId`): the cause the step's transition records in the history. */
  readonly causationId: string;
  /** What the step may publish: the detail types a repeat may find in the outbox slot. */
  readonly publishes: readonly DetailType[];
}

type PublishDeps = Pick<OrderStepDeps, 'orders' | 'publisher' | 'logger' | 'faults'>;

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
  await publish(orderId, event, deps);
  deps.logger.info('order transitioned', { published: event.detailType });
  return { outcome: 'transitioned', published: event.detailType };
}

/**
 * The step's write was refused: another delivery of the same fact got there first (or crashed after
 * its write), or the order has moved on since. If this very event caused the order's latest transition,
 * the slot holds the step's event, which may never have reached the bus: publish it again (same event id
 * and idempotency key; every consumer treats a repeat as a no-op). Otherwise do nothing: either the order
 * moved past the step, so the step's event was published (it caused the next transition), or another
 * event caused the transition, and the redelivery of that event's own message is the one that repairs.
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
  const stored = order.outbox;
  if (causedLatestTransition(order, step.causationId) && step.publishes.includes(stored.detailType)) {
    await publish(step.orderId, stored, deps);
    deps.logger.info('repeat delivery: published the stored event', { published: stored.detailType });
    return { outcome: 'republished', published: stored.detailType };
  }
  deps.logger.info('repeat delivery: already done, nothing to do', { status: order.status });
  return { outcome: 'duplicate' };
}

/** The order's latest history entry, written with the outbox slot, was caused by `eventId`. */
function causedLatestTransition(order: OrderRecord, eventId: string): boolean {
  return order.history.at(-1)?.eventId === eventId;
}

async function publish(orderId: string, event: OutgoingEvent, deps: PublishDeps): Promise<void> {
  await deps.faults.at('before-publish', orderId);
  await deps.publisher.publish([event]);
}
