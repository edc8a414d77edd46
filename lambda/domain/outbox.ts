import type { DetailType } from '../contracts';
import { UnexpectedOrderStateError } from './errors';
import type { OutgoingEvent } from './events';
import type { OrderRecord, OrderStatus } from './order';
import { storedEvent } from './outbox-slot';
import type { OrderStepDeps, WriteResult } from './ports';

/**
 * The per-order outbox (docs/design.md): a step's single conditional write moves the order and stores
 * the event it will publish in the order's one outbox slot; then the event is published. A repeat whose
 * event caused the order's latest transition publishes the stored event again, as that event may never
 * have reached the bus; any other repeat does nothing.
 *
 * The slot is also what makes an incoming event trustworthy: a step acts only on the event the order
 * stored, the one the previous step published (same event id), and reads lines and amounts from the order,
 * never from the event. Anything else is stale or foreign and is acknowledged without effect.
 */

export type StepResult =
  | { readonly outcome: 'transitioned'; readonly published: DetailType }
  | { readonly outcome: 'republished'; readonly published: DetailType }
  | { readonly outcome: 'duplicate' }
  | { readonly outcome: 'ignored'; readonly reason: IgnoredReason };

/**
 * Why an event had no effect although it parsed: there is no such order, or the order never stored this
 * event (a forgery, or a fact about another attempt at the order). Never redelivered: it cannot succeed.
 */
export type IgnoredReason = 'unknown-order' | 'not-the-stored-event';

export interface StepSpec {
  readonly orderId: string;
  /** The state the step acts on; `absent` for validate-order, which creates the order. */
  readonly expected: OrderStatus | 'absent';
  /** Id of the incoming event (`metadata.eventId`): it must be the id of the event in the order's outbox slot. */
  readonly causationId: string;
  /** What the step may publish: the detail types a repeat may find in the outbox slot. */
  readonly publishes: readonly DetailType[];
}

type PublishDeps = Pick<OrderStepDeps, 'orders' | 'publisher' | 'logger'>;

/** The order stands where the step expects it, and its outbox holds the very event the step received. */
export function awaitsStep(order: OrderRecord | undefined, step: StepSpec): boolean {
  return (
    order !== undefined &&
    order.status === step.expected &&
    order.outbox.detail.metadata.eventId === step.causationId
  );
}

export type Standing =
  | { readonly actionable: true; readonly order: OrderRecord }
  | { readonly actionable: false; readonly result: StepResult };

/**
 * Reads the order (strongly consistent) and tells whether the step may act on it; if not, settles the
 * event as a repeat, or ignores it as stale or foreign. Steps take what they act on from `order`.
 */
export async function standingOf(step: StepSpec, deps: PublishDeps): Promise<Standing> {
  const order = await deps.orders.get(step.orderId);
  if (order !== undefined && awaitsStep(order, step)) return { actionable: true, order };
  return { actionable: false, result: await settleRepeat(step, order, deps) };
}

/** Write (conditionally), then publish the stored event; on a lost condition, settle as a repeat. */
export async function writeThenPublish(
  step: StepSpec,
  event: OutgoingEvent,
  write: () => Promise<WriteResult>,
  deps: PublishDeps,
): Promise<StepResult> {
  if ((await write()) === 'condition-failed') {
    return settleRepeat(step, await deps.orders.get(step.orderId), deps);
  }
  return publishAfterWrite(event, deps);
}

export async function publishAfterWrite(event: OutgoingEvent, deps: PublishDeps): Promise<StepResult> {
  await deps.publisher.publish([event]);
  deps.logger.info('order transitioned', { published: event.detailType });
  return { outcome: 'transitioned', published: event.detailType };
}

/**
 * The step cannot act: its write was refused, or the order is not where the step expects it.
 * - This very event caused the order's latest transition: the slot holds the step's event, which may
 *   never have reached the bus, so publish it again (same event id and idempotency key; every consumer
 *   treats a repeat as a no-op).
 * - It caused an earlier transition: the order moved past the step, so its event was published (it
 *   caused the next transition). Nothing to do.
 * - It caused none: no step stored it. A forgery, or a stale fact; ignored with a warning, no effect.
 *   (For OrderPlaced there is no stored event to compare: an order that exists is a duplicate.)
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
    return ignore('unknown-order', deps);
  }
  const stored = order.outbox;
  if (causedLatestTransition(order, step.causationId) && step.publishes.includes(stored.detailType)) {
    await deps.publisher.publish([storedEvent(order)]);
    deps.logger.info('repeat delivery: published the stored event', { published: stored.detailType });
    return { outcome: 'republished', published: stored.detailType };
  }
  // An order placed again (a client retry with a new event id) is the same business fact: a duplicate.
  if (step.expected === 'absent' || order.history.some((entry) => entry.eventId === step.causationId)) {
    deps.logger.info('repeat delivery: already done, nothing to do', { status: order.status });
    return { outcome: 'duplicate' };
  }
  if (awaitsStep(order, step)) {
    throw new UnexpectedOrderStateError(
      step.orderId,
      `still ${order.status}: the write was refused for another reason`,
    );
  }
  return ignore('not-the-stored-event', deps, order.status);
}

function ignore(reason: IgnoredReason, deps: PublishDeps, status?: OrderStatus): StepResult {
  // Identifiers only: the record's logger already carries the order id, event id and detail type.
  deps.logger.warn('event ignored: the order did not store it (stale or foreign)', {
    reason,
    ...(status === undefined ? {} : { status }),
  });
  return { outcome: 'ignored', reason };
}

/** The order's latest history entry, written with the outbox slot, was caused by `eventId`. */
function causedLatestTransition(order: OrderRecord, eventId: string): boolean {
  return order.history.at(-1)?.eventId === eventId;
}
