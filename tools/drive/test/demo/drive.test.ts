import { describe, expect, it } from '@jest/globals';
import type { Deployment } from '@order-pipeline/local-cloud/deploy';
import type { OrderStatusView } from '../../../../lambda/contracts/order-api';
import { loadStageConfig } from '../../../../lib/config';
import { DemoDriver } from '../../src/demo/drive';
import { OrderFeeder } from '../../src/demo/feeder';
import { type MalformedEvent, malformedCheck } from '../../src/demo/malformed';
import { ApiOrderDoor } from '../../src/demo/order-doors';
import { buildScenario, type Scenario } from '../../src/demo/scenario';
import { demoTargets } from '../../src/demo/targets';

const MALFORMED: MalformedEvent = {
  id: 'demo-ab12-malformed',
  detailType: 'OrderPlaced',
  detail: { metadata: { correlationId: 'demo-ab12-malformed' }, data: { lines: [{ quantity: 0 }] } },
  defect: 'a line of 0 units',
};

/** The body SQS holds for an event EventBridge delivered: its envelope around the detail. */
function body(detail: unknown, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: '0',
    id: 'eb-1',
    'detail-type': 'OrderPlaced',
    source: 'orders.client',
    account: '123456789012',
    time: '2026-11-26T12:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
    ...overrides,
  });
}

describe('malformedCheck', () => {
  it('recognises the malformed event with the detail it was sent with', () => {
    // GIVEN a DLQ body carrying the same detail (keys in another order)
    const detail = { data: { lines: [{ quantity: 0 }] }, metadata: { correlationId: 'demo-ab12-malformed' } };
    // WHEN checked
    // THEN it is the original body
    expect(malformedCheck(body(detail), MALFORMED)).toBe('original-body');
  });

  it('fails a body whose detail, source or detail type changed', () => {
    // GIVEN bodies of the malformed event that differ from what was sent
    const changedDetail = { ...MALFORMED.detail, data: { lines: [] } };
    // WHEN checked
    // THEN each is a changed body
    expect(malformedCheck(body(changedDetail), MALFORMED)).toBe('changed-body');
    expect(malformedCheck(body(MALFORMED.detail, { source: 'other' }), MALFORMED)).toBe('changed-body');
    expect(malformedCheck(body(MALFORMED.detail, { 'detail-type': 'OrderValidated' }), MALFORMED)).toBe(
      'changed-body',
    );
  });

  it('does not mistake another message, or one that is not JSON, for it', () => {
    // GIVEN another order's event and a body that is not JSON
    // WHEN checked
    // THEN neither is the malformed event
    expect(malformedCheck(body({ metadata: { correlationId: 'demo-ab12-001-ok' } }), MALFORMED)).toBe(
      'absent',
    );
    expect(malformedCheck('not json', MALFORMED)).toBe('absent');
    expect(malformedCheck(undefined, MALFORMED)).toBe('absent');
  });
});

describe('demoTargets', () => {
  it('reads tables, bus and queues from the stack outputs, DLQs apart from source queues', () => {
    // GIVEN a deployment with the pipeline's outputs
    const deployment = {
      endpoint: 'http://127.0.0.1:5000',
      region: 'us-east-1',
      assemblyDirectory: '/tmp/cdk.out',
      uploadMs: 0,
      stacks: [
        {
          outputs: {
            OrdersTableName: 'orders',
            InventoryTableName: 'inventory',
            AnalyticsTableName: 'analytics',
          },
        },
        {
          outputs: {
            EventBusName: 'bus',
            ValidateOrderQueueUrl: 'q-validate',
            ValidateOrderDlqUrl: 'dlq-validate',
            ValidateOrderTargetDlqUrl: 'tdlq-validate',
            ValidateOrderFunctionName: 'fn',
          },
        },
      ],
    } as unknown as Deployment;
    // WHEN the targets are read
    // THEN each output is where the demo expects it
    expect(demoTargets(deployment)).toEqual({
      eventBusName: 'bus',
      ordersTable: 'orders',
      inventoryTable: 'inventory',
      analyticsTable: 'analytics',
      queues: { ValidateOrderQueueUrl: 'q-validate' },
      deadLetterQueues: { ValidateOrderDlqUrl: 'dlq-validate', ValidateOrderTargetDlqUrl: 'tdlq-validate' },
    });
  });
});

describe('OrderFeeder', () => {
  const scenario = buildScenario({
    runId: 'feed1',
    orders: 25,
    policy: loadStageConfig('local'),
    now: new Date('2026-11-26T10:00:00Z'),
    eventId: '7d0c9a52-3b1f-4a53-9a8e-9d7f3c2e1b10',
  });
  /** A driver that records how many orders each placement carried. */
  function fakeDriver() {
    const portions: number[] = [];
    return {
      portions,
      placeOrders: async (s: Scenario) => {
        portions.push(s.orders.length);
        return new Map(s.orders.map((o) => [o.order.orderId, 1]));
      },
    };
  }

  it('GIVEN no backlog WHEN started THEN every order is placed at once', async () => {
    const driver = fakeDriver();
    const feeder = new OrderFeeder(driver, scenario);

    await feeder.start();
    await feeder.topUp(0);

    expect(driver.portions).toEqual([25]);
    expect(feeder.placedAt.size).toBe(25);
  });

  it('GIVEN a backlog of 10 messages THEN 10 orders (1 message each: validate-order’s) first, then as many as the room left', async () => {
    const driver = fakeDriver();
    const feeder = new OrderFeeder(driver, scenario, 10);

    await feeder.start();
    await feeder.topUp(10);
    await feeder.topUp(6);
    await feeder.topUp(0);

    expect(driver.portions).toEqual([10, 4, 10]);
    expect(feeder.remaining).toBe(1);
  });
});

describe('DemoDriver through the order API', () => {
  const scenario = buildScenario({
    runId: 'api1',
    orders: 5,
    policy: loadStageConfig('local'),
    now: new Date('2026-11-26T10:00:00Z'),
    eventId: '7d0c9a52-3b1f-4a53-9a8e-9d7f3c2e1b10',
  });
  const CONFIG = {
    endpoint: 'http://127.0.0.1:1',
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    forcePathStyle: true as const,
  };
  const TARGETS = {
    eventBusName: 'bus',
    ordersTable: 'orders',
    inventoryTable: 'inventory',
    analyticsTable: 'analytics',
    queues: {},
    deadLetterQueues: {},
  };

  /** An API that names each order `api-<key>` and answers GET with what `views` holds. */
  function fakeApi(views: Map<string, OrderStatusView> = new Map()) {
    const keys: string[] = [];
    const reads: string[] = [];
    return {
      keys,
      reads,
      place: async (order: { orderId: string }) => {
        keys.push(order.orderId);
        return { orderId: `api-${order.orderId}`, status: 'ACCEPTED' as const };
      },
      read: async (orderId: string) => {
        reads.push(orderId);
        return views.get(orderId);
      },
    };
  }

  it('GIVEN a scenario WHEN its orders are placed THEN each is POSTed once, keyed by its scenario id, and its API id is kept', async () => {
    const api = fakeApi();
    const driver = new DemoDriver(CONFIG, TARGETS, new ApiOrderDoor(api));
    try {
      const placedAt = await driver.placeOrders(scenario);

      const ids = scenario.orders.map((o) => o.order.orderId);
      expect([...api.keys].sort()).toEqual([...ids].sort());
      expect([...placedAt.keys()].sort()).toEqual([...ids].sort());
      expect(driver.orderIds.get(ids[0] ?? '')).toBe(`api-${ids[0]}`);
    } finally {
      driver.destroy();
    }
  });

  it('GIVEN placed orders WHEN read THEN GET asks for the API ids and answers by scenario id; a 404 and an unplaced order are absent', async () => {
    const [first, second, third] = scenario.orders.map((o) => o.order.orderId);
    const views = new Map<string, OrderStatusView>([
      [
        `api-${first}`,
        {
          orderId: `api-${first}`,
          status: 'CANCELLED',
          reason: 'OUT_OF_STOCK',
          history: [
            { status: 'ACCEPTED', at: '2026-11-26T10:00:00.000Z' },
            { status: 'CANCELLED', at: '2026-11-26T10:00:02.500Z' },
          ],
        },
      ],
    ]);
    const api = fakeApi(views);
    const driver = new DemoDriver(CONFIG, TARGETS, new ApiOrderDoor(api));
    try {
      await driver.placeOrders({ ...scenario, orders: scenario.orders.slice(0, 2) });

      const orders = await driver.readOrders([first ?? '', second ?? '', third ?? '']);
      const histories = await driver.readHistories([first ?? '']);

      expect(api.reads).toEqual([`api-${first}`, `api-${second}`, `api-${first}`]);
      expect([...orders]).toEqual([[first, { status: 'CANCELLED', reason: 'OUT_OF_STOCK' }]]);
      expect(histories.get(first ?? '')).toEqual([
        { status: 'ACCEPTED', at: Date.parse('2026-11-26T10:00:00.000Z') },
        { status: 'CANCELLED', at: Date.parse('2026-11-26T10:00:02.500Z') },
      ]);
    } finally {
      driver.destroy();
    }
  });
});
