import { describe, expect, it } from '@jest/globals';
import { PhaseLedger } from '../../src/bench/measure';
import { formatSummary, markdownFigures } from '../../src/bench/report';
import { buildResult, capacityByTable, type ResultInputs } from '../../src/bench/result';

describe('capacityByTable', () => {
  const stacks: { outputs: Record<string, string> }[] = [
    { outputs: { OrdersTableName: 'Data-Orders-1A2B', EventBusName: 'orders' } },
    { outputs: { AnalyticsTableName: 'Data-Analytics-3C4D', InventoryTableName: 'Data-Inventory-5E6F' } },
  ];

  it('GIVEN the emulator’s capacity per caller and table WHEN summed THEN each table is named by the output that names it', () => {
    const rows = [
      { table: 'Data-Orders-1A2B', writeUnits: 6, readUnits: 1.5 },
      { table: 'Data-Analytics-3C4D', writeUnits: 4, readUnits: 0 },
      { table: 'Data-Orders-1A2B', writeUnits: 2, readUnits: 0.5 },
    ];

    expect(capacityByTable(rows, stacks)).toEqual({
      orders: { writeUnits: 8, readUnits: 2 },
      analytics: { writeUnits: 4, readUnits: 0 },
    });
  });

  it('GIVEN a table no output names WHEN summed THEN it keeps its physical name rather than being dropped', () => {
    expect(capacityByTable([{ table: 'Other', writeUnits: 1, readUnits: 0 }], stacks)).toEqual({
      Other: { writeUnits: 1, readUnits: 0 },
    });
  });
});

/** A phase of `orders` orders, each placed and read once through the HTTP API, each with one delivery. */
function phase(orders: number, latenciesMs: number[], stepMs = 50) {
  const ledger = new PhaseLedger(
    () => 'happyPath',
    () => 1,
  );
  for (let i = 0; i < orders; i++) {
    ledger.recordRequest('place-order', { coldStart: false, durationMs: 20 }, `o-${i}`);
    ledger.recordRequest('get-order', { coldStart: false, durationMs: 5 }, `o-${i}`);
    ledger.record({
      functionName: 'fn',
      shortName: 'validate-order',
      requestId: `r-${i}`,
      messageIds: [`m-${i}`],
      receiveCounts: [1],
      bodies: [JSON.stringify({ detail: { data: { orderId: `o-${i}` } } })],
      outcome: { kind: 'all-succeeded' },
      coldStart: false,
      durationMs: stepMs,
      batchingMs: 0,
      deleted: 1,
      deleteFailures: 0,
    });
  }
  return { orders, wallMs: 10_000, latenciesMs, ledger };
}

function inputs(overrides: Partial<ResultInputs> = {}): ResultInputs {
  const config = { memoryMb: 256, architecture: 'arm64' as const };
  return {
    date: new Date('2026-12-05T12:00:00.000Z'),
    command: 'npm run bench -- --orders 10',
    machine: 'test machine',
    main: { ...phase(10, [1_000, 2_000, 3_000]), happyOrders: 10, failureOrders: 0 },
    minimum: { total: 20, byOperation: {}, hops: 9, events: 5 },
    functionConfig: new Map([
      ['place-order', config],
      ['get-order', config],
      ['validate-order', config],
    ]),
    dynamoDb: { orders: { writeUnits: 20, readUnits: 10 }, idempotency: { writeUnits: 10, readUnits: 0 } },
    tracingSampleRate: 0.05,
    alarms: 1,
    dashboards: 1,
    outcomePassed: true,
    problems: [],
    ...overrides,
  };
}

describe('buildResult through the HTTP API', () => {
  it('GIVEN orders placed and read through the API THEN its requests are priced and the API functions billed', () => {
    const result = buildResult(inputs());

    expect(result.httpApiRequestsPerOrder).toBe(2);
    expect(result.costPer1MOrdersUsd.byService['API Gateway']).toBeGreaterThan(0);
    expect(result.functions.map((f) => f.name)).toEqual(['place-order', 'get-order', 'validate-order']);
    expect(result.costPer1MOrdersUsd.lines.find((l) => l.item === 'HTTP API requests')?.quantityPer1M).toBe(
      2_000_000,
    );
  });

  it('GIVEN the units behind the bus WHEN built THEN the cost behind the bus drops the API, its functions, their logs and units, and keeps the rest', () => {
    const main = phase(10, [1_000]);
    for (let i = 0; i < 10; i++) main.ledger.log('{"message":"order accepted"}', 'place-order');
    main.ledger.log('{"message":"order transitioned"}', 'validate-order');
    const result = buildResult(
      inputs({
        main: { ...main, happyOrders: 10, failureOrders: 0 },
        dynamoDbBehindTheBus: { orders: { writeUnits: 10, readUnits: 0 } },
      }),
    );

    const behind = result.costPer1MOrdersUsd.behindTheBus;
    const all = result.costPer1MOrdersUsd.byService;
    expect(behind?.byService['API Gateway']).toBe(0);
    expect(behind?.byService.Lambda).toBeGreaterThan(0);
    expect(behind?.byService.Lambda).toBeLessThan(all.Lambda ?? 0);
    expect(behind?.byService.DynamoDB).toBeLessThan(all.DynamoDB ?? 0);
    expect(behind?.byService['CloudWatch Logs']).toBeGreaterThan(0);
    expect(behind?.byService['CloudWatch Logs']).toBeLessThan(all['CloudWatch Logs'] ?? 0);
    expect(behind?.total).toBeLessThan(result.costPer1MOrdersUsd.total);
    expect(buildResult(inputs()).costPer1MOrdersUsd.behindTheBus).toBeNull();
  });

  it('GIVEN one read per order THEN there is no observation overhead: a client reads its order once', () => {
    const result = buildResult(inputs());

    expect(result.costPer1MOrdersUsd.observation).toEqual({ extraReadsPerOrder: 0, usd: 0 });
  });

  it('GIVEN the benchmark polls each order three more times THEN those reads are priced apart, not in the cost per order', () => {
    const READ_LOG = '{"level":"INFO","message":"order read"}';
    const readOnce = phase(10, [1_000, 2_000, 3_000]);
    const polled = phase(10, [1_000, 2_000, 3_000]);
    for (let i = 0; i < 10; i++) {
      readOnce.ledger.log(READ_LOG, 'get-order');
      polled.ledger.log(READ_LOG, 'get-order');
    }
    for (let i = 0; i < 30; i++) {
      polled.ledger.recordRequest('get-order', { coldStart: false, durationMs: 5 }, `o-${i % 10}`);
      polled.ledger.log(READ_LOG, 'get-order');
    }
    const once = buildResult(inputs({ main: { ...readOnce, happyOrders: 10, failureOrders: 0 } }));
    const result = buildResult(
      inputs({
        main: { ...polled, happyOrders: 10, failureOrders: 0 },
        dynamoDb: {
          orders: { writeUnits: 20, readUnits: 40 },
          idempotency: { writeUnits: 10, readUnits: 0 },
        },
      }),
    );

    expect(result.httpApiRequestsPerOrder).toBe(5);
    const cost = result.costPer1MOrdersUsd;
    expect(cost.observation.extraReadsPerOrder).toBe(3);
    expect(cost.lines.find((l) => l.item === 'HTTP API requests')?.quantityPer1M).toBe(2_000_000);
    expect(cost.lines.find((l) => l.item === 'get-order requests')?.quantityPer1M).toBe(1_000_000);
    expect(cost.lines.find((l) => l.item === 'orders read request units')?.quantityPer1M).toBe(1_000_000);
    expect(cost.total).toBeCloseTo(once.costPer1MOrdersUsd.total, 6);
    expect(cost.observation.usd).toBeGreaterThan(0);
  });

  it('GIVEN a light-load run THEN its latency is reported beside the loaded one, its calls over every order it placed', () => {
    const light = { ...phase(4, [300, 400, 500, 600]), orders: 3, placedOrders: 4, intervalMs: 1_000 };

    const result = buildResult(inputs({ light }));

    expect(result.lightLoad).toMatchObject({
      orders: 3,
      intervalMs: 1_000,
      latencyMs: { p50: 400, p95: 600, p99: 600, max: 600 },
      invocations: 12,
      meanBatchSize: 1,
    });
    expect(result.lightLoad?.apiCallsPerOrder.total).toBe(1);
    expect(markdownFigures(result)).toContain(
      '| latency at light load (3 orders, one every 1.0 s) | 400 ms / 600 ms / 600 ms | - |',
    );
    expect(formatSummary(result).some((line) => line.startsWith('light          3 orders'))).toBe(true);
  });

  it('GIVEN a light-load run whose step took 10 ms a record against 50 loaded THEN the cost at light-load durations prices only Lambda lower', () => {
    const light = { ...phase(4, [300], 10), orders: 3, placedOrders: 4, intervalMs: 1_000 };

    const result = buildResult(inputs({ light }));

    const c = result.costPer1MOrdersUsd;
    const lambda = c.byService.Lambda ?? 0;
    expect(c.atLightLoadDurations?.lambda).toBeLessThan(lambda);
    expect(c.atLightLoadDurations?.total).toBeCloseTo(
      c.total - (lambda - (c.atLightLoadDurations?.lambda ?? 0)),
      9,
    );
    expect(buildResult(inputs()).costPer1MOrdersUsd.atLightLoadDurations).toBeNull();
  });

  it('GIVEN no light-load run THEN no light-load figures, and no row for them', () => {
    const result = buildResult(inputs());

    expect(result.lightLoad).toBeNull();
    expect(markdownFigures(result)).not.toContain('light load');
  });
});
