import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  FaultyEventPublisher,
  FaultyOrdersRepository,
  InjectedFaultError,
} from '../../../lambda/adapters/fault-injector';
import { logger } from '../../../lambda/adapters/observability';
import { orderStepDependencies, randomIds, systemClock } from '../../../lambda/adapters/order-step-runtime';
import type { Transition } from '../../../lambda/domain/order';
import { faultRule } from '../../../lambda/shared/settings';
import { dynamo, healthyAws } from '../support/aws-mocks';

const config = {
  STAGE: 'test',
  PRODUCTION: false,
  EVENT_BUS_NAME: 'bus',
  ORDERS_TABLE: 'orders',
  FAULT_RULES: [
    faultRule.parse({ orderIdPrefix: 'fault-x-', point: 'before-write', function: 'fulfil-order' }),
  ],
};
const record = (receiveCount: number) => ({ logger, receiveCount, remainingTimeMs: () => 1_000 });
const write = {
  orderId: 'fault-x-1',
  from: 'PAID',
  to: 'FULFILLED',
  at: '2025-03-14T10:00:00.000Z',
  causationId: 'cause-1',
  event: { detailType: 'OrderFulfilled', detail: { metadata: {}, data: {} } },
} as unknown as Transition;

beforeEach(healthyAws);

describe('orderStepDependencies', () => {
  it('GIVEN fault rules WHEN deps are built per record THEN the ports carry faults that follow the delivery and the function name', async () => {
    const forRecord = orderStepDependencies('fulfil-order', config);

    const first = forRecord(record(1));
    const second = forRecord(record(2));

    expect(first.orders).toBeInstanceOf(FaultyOrdersRepository);
    expect(first.publisher).toBeInstanceOf(FaultyEventPublisher);
    await expect(first.orders.transition(write)).rejects.toThrow(InjectedFaultError);
    expect(dynamo.calls()).toHaveLength(0);
    await expect(second.orders.transition(write)).resolves.toBe('applied');
    expect(dynamo.calls()).toHaveLength(1);
  });

  it('GIVEN no fault rules WHEN deps are built THEN no decorator is built', () => {
    const deps = orderStepDependencies('fulfil-order', { ...config, FAULT_RULES: [] })(record(1));

    expect(deps.orders).not.toBeInstanceOf(FaultyOrdersRepository);
    expect(deps.publisher).not.toBeInstanceOf(FaultyEventPublisher);
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
