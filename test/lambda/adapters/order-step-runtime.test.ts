import { describe, expect, it } from '@jest/globals';
import { InjectedFaultError, NO_FAULTS } from '../../../lambda/adapters/fault-injector';
import { logger } from '../../../lambda/adapters/observability';
import { orderStepDependencies, randomIds, systemClock } from '../../../lambda/adapters/order-step-runtime';
import { faultRule } from '../../../lambda/contracts/settings';

const config = {
  STAGE: 'test',
  PRODUCTION: false,
  EVENT_BUS_NAME: 'bus',
  ORDERS_TABLE: 'orders',
  FAULT_RULES: [
    faultRule.parse({ orderIdPrefix: 'fault-x-', point: 'before-write', function: 'fulfil-order' }),
  ],
};

describe('orderStepDependencies', () => {
  it('GIVEN fault rules WHEN deps are built per record THEN faults follow the delivery and the function name', async () => {
    const forRecord = orderStepDependencies('fulfil-order', config);

    const first = forRecord({ logger, receiveCount: 1 });
    const second = forRecord({ logger, receiveCount: 2 });

    await expect(first.faults.at('before-write', 'fault-x-1')).rejects.toThrow(InjectedFaultError);
    await expect(second.faults.at('before-write', 'fault-x-1')).resolves.toBeUndefined();
    expect(first.orders).toBe(second.orders);
  });

  it('GIVEN no fault rules WHEN deps are built THEN they carry no faults', () => {
    const deps = orderStepDependencies('fulfil-order', { ...config, FAULT_RULES: [] })({
      logger,
      receiveCount: 1,
    });
    expect(deps.faults).toBe(NO_FAULTS);
  });
});

describe('systemClock and randomIds', () => {
  it('GIVEN two event ids WHEN generated THEN they are distinct UUIDs', () => {
    const [a, b] = [randomIds.newEventId(), randomIds.newEventId()];
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
    expect(systemClock.now()).toBeInstanceOf(Date);
  });
});
