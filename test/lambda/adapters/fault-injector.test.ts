import { describe, expect, it } from '@jest/globals';
import {
  faultsFor,
  findFaultRule,
  InjectedFaultError,
  NO_FAULTS,
} from '../../../lambda/adapters/fault-injector';
import { type FaultRule, faultRule } from '../../../lambda/contracts/settings';
import { SilentLogger } from '../fakes/step-deps';

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

describe('faultsFor', () => {
  it('GIVEN a crash rule WHEN its point is reached THEN a clearly named InjectedFaultError is thrown', async () => {
    const faults = faultsFor(rules, delivery(1), new SilentLogger());

    await expect(faults.at('after-write', 'fault-crash-9')).rejects.toThrow(InjectedFaultError);
    await expect(faults.at('after-write', 'order-9')).resolves.toBeUndefined();
  });

  it('GIVEN a timeout rule WHEN its point is reached THEN the step never continues, so Lambda times it out', async () => {
    const logger = new SilentLogger();
    const faults = faultsFor(rules, delivery(1), logger);

    expect(await isPending(faults.at('before-publish', 'fault-timeout-1'))).toBe(true);
    expect(await isPending(faults.at('before-publish', 'order-1'))).toBe(false);
    expect(logger.lines.map((l) => l.message)).toEqual(['fault injection']);
  });

  it('GIVEN no rules, as in production WHEN built THEN faults are a no-op', () => {
    expect(faultsFor([], delivery(1), new SilentLogger())).toBe(NO_FAULTS);
  });
});
