import { describe, expect, it } from '@jest/globals';
import {
  type FaultHook,
  FaultInjector,
  findFaultRule,
  InjectedFaultError,
  withFaults,
} from '../../../lambda/adapters/fault-injector';
import type { OutgoingEvent } from '../../../lambda/domain/events';
import type { Transition } from '../../../lambda/domain/order';
import type { OrdersRepository } from '../../../lambda/domain/ports';
import { type FaultPoint, type FaultRule, faultRule } from '../../../lambda/shared/settings';
import { InMemoryInventory } from '../fakes/in-memory-inventory';
import { CrashError, fakeWorld, SilentLogger } from '../fakes/step-deps';

const rules: FaultRule[] = [
  faultRule.parse({ orderIdPrefix: 'fault-crash-', point: 'after-write', receives: 2 }),
  faultRule.parse({ orderIdPrefix: 'fault-timeout-', point: 'before-publish', action: 'timeout' }),
  faultRule.parse({ orderIdPrefix: 'fault-pay-', point: 'before-write', function: 'take-payment' }),
];
const delivery = (receiveCount: number, functionName = 'validate-order') => ({ functionName, receiveCount });

/** Whether a promise is still pending once everything already queued has run. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  const settled = await Promise.race([
    promise.then(
      () => 'settled',
      () => 'settled',
    ),
    new Promise((r) => setImmediate(() => r(pending))),
  ]);
  return settled === pending;
}

describe('findFaultRule', () => {
  it.each([
    ['the prefix, point and an early delivery', 'fault-crash-1', 'after-write', delivery(2), 0],
    ['a later delivery than `receives`', 'fault-crash-1', 'after-write', delivery(3), undefined],
    ['another point', 'fault-crash-1', 'before-write', delivery(1), undefined],
    ['an order id without the prefix', 'order-fault-crash-1', 'after-write', delivery(1), undefined],
    ['another function than the rule names', 'fault-pay-1', 'before-write', delivery(1), undefined],
    ['the function the rule names', 'fault-pay-1', 'before-write', delivery(1, 'take-payment'), 2],
  ] as const)('GIVEN %s WHEN matched THEN the rule found is %s', (_, orderId, point, d, index) => {
    expect(findFaultRule(rules, d, point, orderId)).toBe(index === undefined ? undefined : rules[index]);
  });
});

describe('findFaultRule with a rate', () => {
  const random = faultRule.parse({ orderIdPrefix: 'bench-', point: 'before-write', receives: 4, rate: 0.25 });

  it('GIVEN a rate WHEN the draw is below it THEN the rule fires', () => {
    expect(findFaultRule([random], delivery(1), 'before-write', 'bench-1', () => 0.2)).toBe(random);
  });

  it('GIVEN a rate WHEN the draw is at or above it THEN the rule does not fire', () => {
    expect(findFaultRule([random], delivery(1), 'before-write', 'bench-1', () => 0.25)).toBeUndefined();
  });

  it('GIVEN a rate WHEN the delivery is past `receives` THEN it does not fire whatever the draw', () => {
    expect(findFaultRule([random], delivery(5), 'before-write', 'bench-1', () => 0)).toBeUndefined();
  });

  it('fails to parse a rate of 0 or above 1', () => {
    expect(faultRule.safeParse({ orderIdPrefix: 'bench-', point: 'after-write', rate: 0 }).success).toBe(
      false,
    );
    expect(faultRule.safeParse({ orderIdPrefix: 'bench-', point: 'after-write', rate: 1.5 }).success).toBe(
      false,
    );
  });
});

describe('FaultInjector', () => {
  it('GIVEN a crash rule WHEN its point is reached THEN a clearly named InjectedFaultError is thrown', async () => {
    const faults = new FaultInjector(rules, delivery(1), new SilentLogger());

    await expect(faults.at('after-write', 'fault-crash-9')).rejects.toThrow(InjectedFaultError);
    await expect(faults.at('after-write', 'order-9')).resolves.toBeUndefined();
  });

  it('GIVEN a timeout rule WHEN its point is reached THEN the step never continues, so Lambda times it out', async () => {
    const logger = new SilentLogger();
    const faults = new FaultInjector(rules, delivery(1), logger);

    expect(await isPending(faults.at('before-publish', 'fault-timeout-1'))).toBe(true);
    expect(await isPending(faults.at('before-publish', 'order-1'))).toBe(false);
    expect(logger.lines.map((l) => l.message)).toEqual(['fault injection']);
  });
});

/** Records the points the decorators ask about, in order, and crashes at one. */
class ScriptedFaults implements FaultHook {
  readonly asked: string[] = [];
  constructor(private readonly crashAt?: FaultPoint) {}
  async at(point: FaultPoint, orderId: string): Promise<void> {
    this.asked.push(`${point} ${orderId}`);
    if (point === this.crashAt) throw new CrashError(point);
  }
}

const transition = (orderId: string): Transition => ({
  orderId,
  from: 'PAID',
  to: 'FULFILLED',
  at: '2025-03-14T10:00:00.000Z',
  causationId: 'cause-1',
  event: { detailType: 'OrderFulfilled', detail: { metadata: { correlationId: orderId } } } as OutgoingEvent,
});

describe('withFaults', () => {
  it('GIVEN an applied write THEN the decorators ask before the write, after it, and before the publish', async () => {
    const faults = new ScriptedFaults();
    const inner = fakeWorld();
    const applied: OrdersRepository = {
      get: async () => undefined,
      create: async () => 'applied',
      transition: async () => 'applied',
      recordPaymentAttempt: async () => 'applied',
    };
    const world = withFaults({ ...inner, orders: applied }, faults);

    await world.orders.transition(transition('o-1'));
    await world.publisher.publish([transition('o-1').event]);

    expect(faults.asked).toEqual(['before-write o-1', 'after-write o-1', 'before-publish o-1']);
  });

  it('GIVEN a refused write THEN there is no after-write: only an applied write is followed by its publish', async () => {
    const faults = new ScriptedFaults();
    const world = withFaults(fakeWorld(), faults);

    expect(await world.orders.transition(transition('absent'))).toBe('condition-failed');
    expect(faults.asked).toEqual(['before-write absent']);
  });

  it('GIVEN a crash before the write THEN the write never reaches the repository', async () => {
    const inner = fakeWorld();
    const world = withFaults(inner, new ScriptedFaults('before-write'));

    await expect(world.orders.transition(transition('o-1'))).rejects.toThrow(CrashError);
    expect(inner.orders.appliedWrites).toEqual([]);
  });

  it('GIVEN a crash before the publish THEN nothing reaches the bus', async () => {
    const inner = fakeWorld();
    const world = withFaults(inner, new ScriptedFaults('before-publish'));

    await expect(world.publisher.publish([transition('o-1').event])).rejects.toThrow(CrashError);
    expect(inner.publisher.published).toEqual([]);
  });

  it('GIVEN reads and the payment attempt THEN they pass through without asking', async () => {
    const faults = new ScriptedFaults('before-write');
    const world = withFaults(fakeWorld(), faults);

    expect(await world.orders.get('o-1')).toBeUndefined();
    expect(await world.orders.recordPaymentAttempt('o-1', 'cause-1', { attemptId: 'a', at: 'now' })).toBe(
      'condition-failed',
    );
    expect(faults.asked).toEqual([]);
  });

  it('GIVEN deps with an inventory THEN its reserve and release are fault points too', async () => {
    const faults = new ScriptedFaults('before-write');
    const inner = fakeWorld();
    const world = withFaults({ ...inner, inventory: new InMemoryInventory(inner.orders, {}) }, faults);

    await expect(world.inventory.reserve(transition('o-1'), [])).rejects.toThrow(CrashError);
    await expect(world.inventory.release(transition('o-1'), [])).rejects.toThrow(CrashError);
    expect(await world.inventory.getAvailable(['sku'])).toEqual(new Map());
  });
});
