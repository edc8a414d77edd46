import type { OutgoingEvent } from '../domain/events';
import type { NewOrder, ProductQuantity, Transition } from '../domain/order';
import type {
  EventPublisher,
  InventoryRepository,
  Logger,
  OrderStepDeps,
  OrdersRepository,
  WriteResult,
} from '../domain/ports';
import type { FaultPoint, FaultRule } from '../shared/settings';

/**
 * Fault injection for the reliability tests and the benchmark: decorators around the ports a step
 * writes and publishes through, built only for a function whose FAULT_RULES are set (never in
 * production). The domain knows nothing of them. The points, where a real crash or stall would hurt:
 *
 * - `before-write`: before the write that moves the order and stores its outgoing event (orders
 *   `create`/`transition`, inventory `reserve`/`release`). In take-payment that is after the provider
 *   call, the crash its attempt id makes safe.
 * - `after-write`: after that write applied, before anything else: the publish that follows it.
 * - `before-publish`: before every publish, a republish from the outbox included.
 */

/** Thrown on purpose by a `crash` fault rule; seeing it in a log means a test scenario, not a bug. */
export class InjectedFaultError extends Error {
  override readonly name = 'InjectedFaultError';
  constructor(
    readonly point: FaultPoint,
    readonly rule: Pick<FaultRule, 'orderIdPrefix' | 'customerIdPrefix'>,
  ) {
    super(`injected crash at ${point} (fault rule for ${describeTarget(rule)})`);
  }
}

function describeTarget(rule: Pick<FaultRule, 'orderIdPrefix' | 'customerIdPrefix'>): string {
  return [
    rule.orderIdPrefix === undefined ? undefined : `order ids starting with "${rule.orderIdPrefix}"`,
    rule.customerIdPrefix === undefined ? undefined : `customer ids starting with "${rule.customerIdPrefix}"`,
  ]
    .filter((part) => part !== undefined)
    .join(' and ');
}

/** Where the decorators ask whether to fail: `FaultInjector` in a function, a scripted one in tests. */
export interface FaultHook {
  at(point: FaultPoint, orderId: string): Promise<void>;
  /**
   * The customer of an order the step read or is about to create: every step reads its order before its
   * first fault point, so rules can match the customer as the order states it.
   */
  learnCustomer(orderId: string, customerId: string): void;
}

export interface Delivery {
  /** Short name of the function, as a rule's `function` names it (e.g. `take-payment`). */
  readonly functionName: string;
  /** ApproximateReceiveCount of the SQS message: rules fire on the first `receives` deliveries only. */
  readonly receiveCount: number;
}

/** The order a fault point is about; its customer when the step has seen the order. */
export interface FaultTarget {
  readonly orderId: string;
  readonly customerId?: string;
}

function targets(rule: FaultRule, target: FaultTarget): boolean {
  return (
    (rule.orderIdPrefix === undefined || target.orderId.startsWith(rule.orderIdPrefix)) &&
    (rule.customerIdPrefix === undefined || (target.customerId?.startsWith(rule.customerIdPrefix) ?? false))
  );
}

/** The first rule that fires; a rule with a `rate` draws `random()` (in [0, 1)) each time it matches. */
export function findFaultRule(
  rules: readonly FaultRule[],
  delivery: Delivery,
  point: FaultPoint,
  target: FaultTarget,
  random: () => number = Math.random,
): FaultRule | undefined {
  return rules.find(
    (rule) =>
      rule.point === point &&
      targets(rule, target) &&
      delivery.receiveCount <= rule.receives &&
      (rule.function === undefined || rule.function === delivery.functionName) &&
      (rule.rate === undefined || random() < rule.rate),
  );
}

/** The fault rules of a non-production stage, applied to one delivery of one record. */
export class FaultInjector implements FaultHook {
  /** Order id -> customer id, of the orders this delivery has seen. */
  private readonly customers = new Map<string, string>();

  constructor(
    private readonly rules: readonly FaultRule[],
    private readonly delivery: Delivery,
    private readonly logger: Logger,
  ) {}

  learnCustomer(orderId: string, customerId: string): void {
    this.customers.set(orderId, customerId);
  }

  async at(point: FaultPoint, orderId: string): Promise<void> {
    const rule = findFaultRule(this.rules, this.delivery, point, {
      orderId,
      customerId: this.customers.get(orderId),
    });
    if (rule === undefined) return;
    this.logger.warn('fault injection', {
      point,
      action: rule.action,
      receiveCount: this.delivery.receiveCount,
    });
    if (rule.action === 'crash') throw new InjectedFaultError(point, rule);
    // Never settles: Lambda stops the invocation at its timeout and SQS redelivers the message.
    await new Promise<never>(() => undefined);
  }
}

/** A write that stores an outgoing event, between its two fault points. */
async function faultyWrite(
  faults: FaultHook,
  orderId: string,
  write: () => Promise<WriteResult>,
): Promise<WriteResult> {
  await faults.at('before-write', orderId);
  const result = await write();
  if (result === 'applied') await faults.at('after-write', orderId);
  return result;
}

export class FaultyOrdersRepository implements OrdersRepository {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly faults: FaultHook,
  ) {}

  async get(orderId: string) {
    const order = await this.orders.get(orderId);
    if (order !== undefined) this.faults.learnCustomer(order.orderId, order.customerId);
    return order;
  }

  create(order: NewOrder): Promise<WriteResult> {
    this.faults.learnCustomer(order.orderId, order.customerId);
    return faultyWrite(this.faults, order.orderId, () => this.orders.create(order));
  }

  transition(transition: Transition): Promise<WriteResult> {
    return faultyWrite(this.faults, transition.orderId, () => this.orders.transition(transition));
  }
}

export class FaultyInventoryRepository implements InventoryRepository {
  constructor(
    private readonly inventory: InventoryRepository,
    private readonly faults: FaultHook,
  ) {}

  reserve(transition: Transition, lines: readonly ProductQuantity[]): Promise<WriteResult> {
    return faultyWrite(this.faults, transition.orderId, () => this.inventory.reserve(transition, lines));
  }

  release(transition: Transition, lines: readonly ProductQuantity[]): Promise<WriteResult> {
    return faultyWrite(this.faults, transition.orderId, () => this.inventory.release(transition, lines));
  }

  getAvailable(productIds: readonly string[]) {
    return this.inventory.getAvailable(productIds);
  }
}

export class FaultyEventPublisher implements EventPublisher {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly faults: FaultHook,
  ) {}

  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    for (const event of events) await this.faults.at('before-publish', event.detail.metadata.correlationId);
    return this.publisher.publish(events);
  }
}

/** The ports of an order step that can carry faults; a step's other dependencies pass through. */
type FaultablePorts = Pick<OrderStepDeps, 'orders' | 'publisher'> & {
  readonly inventory?: InventoryRepository;
};

/** `deps` with every port it has wrapped in its fault decorator. */
export function withFaults<D extends FaultablePorts>(deps: D, faults: FaultHook): D {
  return {
    ...deps,
    orders: new FaultyOrdersRepository(deps.orders, faults),
    publisher: new FaultyEventPublisher(deps.publisher, faults),
    ...(deps.inventory === undefined
      ? {}
      : { inventory: new FaultyInventoryRepository(deps.inventory, faults) }),
  };
}
