import { describe, expect, it } from '@jest/globals';
import {
  type FaultHook,
  FaultInjector,
  findFaultRule,
  InjectedFaultError,
  withFaults,
} from '../../../lambda/adapters/fault-injector';
import type { OutgoingEvent } from '../../../lambda/domain/events';
import type { NewOrder, OrderRecord, Transition } from '../../../lambda/domain/order';
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
    expect(findFaultRule(rules, d, point, { orderId })).toBe(index === undefined ? undefined : rules[index]);
  });
});

describe('findFaultRule by customer', () => {
  const byCustomer = faultRule.parse({ customerIdPrefix: 'bench-', point: 'after-write' });
  const both = faultRule.parse({ orderIdPrefix: 'fault-', customerIdPrefix: 'vip-', point: 'after-write' });

  it.each([
    ['a customer with the prefix', { orderId: '0b8e-uuid', customerId: 'bench-0001' }, byCustomer],
    ['a customer without it', { orderId: 'bench-1', customerId: 'cus-0001' }, undefined],
    ['an order whose customer the step has not seen', { orderId: 'bench-1' }, undefined],
    ['both prefixes, both matching', { orderId: 'fault-1', customerId: 'vip-1' }, both],
    ['both prefixes, only the order id matching', { orderId: 'fault-1', customerId: 'cus-1' }, undefined],
    ['both prefixes, only the customer matching', { orderId: 'order-1', customerId: 'vip-1' }, undefined],
  ] as const)('GIVEN %s WHEN matched THEN the rule found is the expected one', (_, target, expected) => {
    expect(findFaultRule([byCustomer, both], delivery(1), 'after-write', target)).toBe(expected);
  });

  it('fails to parse a rule that names neither an order id nor a customer prefix', () => {
    expect(
      faultRule.safeParse({ point: 'after-write' }).error?.issues.map((i) => [i.path.join('.'), i.message]),
    ).toEqual([
      [
        'orderIdPrefix',
        'a fault rule needs orderIdPrefix or customerIdPrefix: without one it would hit every order',
      ],
    ]);
  });
});

describe('findFaultRule with a rate', () => {
  const random = faultRule.parse({ orderIdPrefix: 'bench-', point: 'before-write', receives: 4, rate: 0.25 });

  it('GIVEN a rate WHEN the draw is below it THEN the rule fires', () => {
    expect(findFaultRule([random], delivery(1), 'before-write', { orderId: 'bench-1' }, () => 0.2)).toBe(
      random,
    );
  });

  it('GIVEN a rate WHEN the draw is at or above it THEN the rule does not fire', () => {
    expect(
      findFaultRule([random], delivery(1), 'before-write', { orderId: 'bench-1' }, () => 0.25),
    ).toBeUndefined();
  });

  it('GIVEN a rate WHEN the delivery is past `receives` THEN it does not fire whatever the draw', () => {
    expect(
      findFaultRule([random], delivery(5), 'before-write', { orderId: 'bench-1' }, () => 0),
    ).toBeUndefined();
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

  it('GIVEN a customer rule WHEN the decorators have seen the order read or created THEN its points crash', async () => {
    const customerRules = [
      faultRule.parse({ customerIdPrefix: 'bench-', point: 'after-write', receives: 4 }),
    ];
    const faults = new FaultInjector(customerRules, delivery(1), new SilentLogger());
    const inner = fakeWorld();
    const applied: OrdersRepository = {
      get: async (orderId) =>
        ({ orderId, customerId: orderId === 'api-1' ? 'bench-0001' : 'cus-0002' }) as OrderRecord,
      create: async () => 'applied',
      transition: async () => 'applied',
    };
    const world = withFaults({ ...inner, orders: applied }, faults);

    // Read, as every step reads its order first: the customer matches the rule.
    await world.orders.get('api-1');
    await expect(world.orders.transition(transition('api-1'))).rejects.toThrow(
      'injected crash at after-write (fault rule for customer ids starting with "bench-")',
    );
    // Created (an order put on the bus directly): its customer is known before the write.
    await expect(
      world.orders.create({ orderId: 'bus-1', customerId: 'bench-0003' } as NewOrder),
    ).rejects.toThrow(InjectedFaultError);
    // Another customer's order passes.
    await world.orders.get('api-2');
    await expect(world.orders.transition(transition('api-2'))).resolves.toBe('applied');
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
  learnCustomer(): void {}
}

const transition = (orderId: string): Transition => ({
  orderId,
  from: 'PAID',
  to: 'FULFILLED',
  at: '2025-03-14T10:00:00.000Z',
  causationId: 'cause-1',
  event: { detailType: 'OrderFulfilled', detail: { metadata: { correlationId: orderId } } } as OutgoingEvent,
  order: { orderId, customerId: 'cus-1', lines: [], currency: 'EUR', totalAmount: 0 },
});

describe('withFaults', () => {
  it('GIVEN an applied write THEN the decorators ask before the write, after it, and before the publish', async () => {
    const faults = new ScriptedFaults();
    const inner = fakeWorld();
    const applied: OrdersRepository = {
      get: async () => undefined,
      create: async () => 'applied',
      transition: async () => 'applied',
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

  it('GIVEN reads THEN they pass through without asking', async () => {
    const faults = new ScriptedFaults('before-write');
    const world = withFaults(fakeWorld(), faults);

    expect(await world.orders.get('o-1')).toBeUndefined();
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
