import { describe, expect, it } from '@jest/globals';
import {
  BYTES_PER_GB,
  type CostInputs,
  costAtVolume,
  costPer1MOrders,
  DEFAULT_PRICE_TABLE_FILE,
  DEFAULT_PRICES,
  type PriceTable,
  roundUsd,
  SERVICES,
} from '../../src/bench/cost';
import { NOTHING, VALIDATE_ORDER } from './support/cost-fixtures';

// Expectations are computed from the price table's own values, so a new dated table changes no test.
const P = DEFAULT_PRICES;

function usage(overrides: Partial<CostInputs>): CostInputs {
  return { ...NOTHING, ...overrides };
}

function line(inputs: CostInputs, service: string, item: string) {
  const found = costPer1MOrders(inputs).lines.find((l) => l.service === service && l.item === item);
  if (!found) throw new Error(`no line ${service} / ${item}`);
  return found;
}

describe('costPer1MOrders', () => {
  it('GIVEN one 256 MB arm64 function, 1,000 invocations of 100 ms for 100 orders WHEN costed THEN Lambda is GB-seconds plus requests, scaled to 1M orders', () => {
    const breakdown = costPer1MOrders(usage({ functions: [VALIDATE_ORDER] }));

    const scale = 1_000_000 / 100;
    const gbSeconds = (256 / 1024) * (100_000 / 1000) * scale; // 250,000 GB-s
    const requests = 1_000 * scale; // 10M requests
    const expected = gbSeconds * P.lambda.perGbSecond.arm64 + (requests / 1e6) * P.lambda.perMillionRequests;
    expect(breakdown.byService.Lambda).toBeCloseTo(expected, 9);
    expect(breakdown.totalUsd).toBeCloseTo(expected, 9);
    const compute = breakdown.lines.find((l) => l.item === 'validate-order compute (arm64, 256 MB)');
    expect(compute).toMatchObject({
      service: 'Lambda',
      unit: 'GB-second',
      unitPriceUsd: P.lambda.perGbSecond.arm64,
    });
    expect(compute?.quantityPer1M).toBeCloseTo(250_000, 6);
    expect(line(usage({ functions: [VALIDATE_ORDER] }), 'Lambda', 'validate-order requests')).toMatchObject({
      quantityPer1M: 10_000_000,
      unit: 'request',
      listPrice: { usd: P.lambda.perMillionRequests, per: '1M requests' },
    });
  });

  it('GIVEN an x86_64 function WHEN costed THEN its GB-seconds are priced at the x86_64 rate', () => {
    const x86 = line(
      usage({ functions: [{ ...VALIDATE_ORDER, architecture: 'x86_64' }] }),
      'Lambda',
      'validate-order compute (x86_64, 256 MB)',
    );
    expect(x86.usd).toBeCloseTo(250_000 * P.lambda.perGbSecond.x86_64, 9);
  });

  it('GIVEN SQS calls of several operations WHEN costed THEN each is one request at the standard-queue price', () => {
    const inputs = usage({
      apiCalls: { 'SQS.SendMessage': 900, 'SQS.ReceiveMessage': 300, 'SQS.DeleteMessageBatch': 100 },
    });
    const breakdown = costPer1MOrders(inputs);

    const requestsPer1M = (900 + 300 + 100) * 10_000;
    expect(breakdown.byService.SQS).toBeCloseTo((requestsPer1M / 1e6) * P.sqs.standardPerMillionRequests, 9);
    expect(breakdown.lines.filter((l) => l.service === 'SQS').map((l) => l.item)).toEqual([
      'SQS.DeleteMessageBatch',
      'SQS.ReceiveMessage',
      'SQS.SendMessage',
    ]);
  });

  it('GIVEN 10 PutEvents calls carrying 50 entries WHEN costed THEN EventBridge bills the 50 entries, not the calls', () => {
    const breakdown = costPer1MOrders(
      usage({ apiCalls: { 'EventBridge.PutEvents': 10 }, eventBridgeEntries: 50 }),
    );

    expect(breakdown.byService.EventBridge).toBeCloseTo(
      ((50 * 10_000) / 1e6) * P.eventBridge.customEventsPerMillion,
      9,
    );
    expect(breakdown.unpricedApiCalls).toEqual({});
  });

  it('GIVEN the bytes put on the bus WHEN costed THEN the archive bills their processing per GB; without bytes there is no archive line', () => {
    const bytes = 100 * 2_048; // 100 orders of 2 KB of events
    const archive = line(usage({ eventBridgeBytes: bytes }), 'EventBridge', 'archive event processing');

    expect(archive.quantityPer1M).toBeCloseTo((bytes * 10_000) / BYTES_PER_GB, 9);
    expect(archive.usd).toBeCloseTo(
      ((bytes * 10_000) / BYTES_PER_GB) * P.eventBridge.archiveProcessingPerGb,
      9,
    );
    expect(costPer1MOrders(NOTHING).lines.map((l) => l.item)).not.toContain('archive event processing');
  });

  it('GIVEN DynamoDB capacity units of two tables WHEN costed THEN writes and reads are priced per million units, per table, DynamoDB calls not again', () => {
    const inputs = usage({
      apiCalls: { 'DynamoDB.UpdateItem': 500 },
      dynamoDb: {
        orders: { writeUnits: 3_000, readUnits: 250.5 },
        analytics: { writeUnits: 1_000, readUnits: 0 },
      },
    });
    const breakdown = costPer1MOrders(inputs);

    const expected =
      ((4_000 * 10_000) / 1e6) * P.dynamoDb.onDemandPerMillionWriteRequestUnits +
      ((250.5 * 10_000) / 1e6) * P.dynamoDb.onDemandPerMillionReadRequestUnits;
    expect(breakdown.byService.DynamoDB).toBeCloseTo(expected, 9);
    expect(breakdown.totalUsd).toBeCloseTo(expected, 9);
    expect(
      breakdown.lines.filter((l) => l.service === 'DynamoDB').map((l) => [l.item, l.quantityPer1M]),
    ).toEqual([
      ['analytics write request units', 10_000_000],
      ['analytics read request units', 0],
      ['orders write request units', 30_000_000],
      ['orders read request units', 2_505_000],
    ]);
    expect(line(inputs, 'DynamoDB', 'orders write request units').listPrice).toEqual({
      usd: P.dynamoDb.onDemandPerMillionWriteRequestUnits,
      per: '1M write request units',
    });
  });

  it('GIVEN another table (one a copy of the stacks adds) WHEN costed THEN it is priced like the others, with no change to the model', () => {
    const without = costPer1MOrders(usage({ dynamoDb: { orders: { writeUnits: 700, readUnits: 0 } } }));
    const withAnother = costPer1MOrders(
      usage({
        dynamoDb: {
          orders: { writeUnits: 700, readUnits: 0 },
          audit: { writeUnits: 200, readUnits: 10 },
        },
      }),
    );

    expect(withAnother.byService.DynamoDB - without.byService.DynamoDB).toBeCloseTo(
      ((200 * 10_000) / 1e6) * P.dynamoDb.onDemandPerMillionWriteRequestUnits +
        ((10 * 10_000) / 1e6) * P.dynamoDb.onDemandPerMillionReadRequestUnits,
      9,
    );
  });

  it('GIVEN functions with platform log bytes per invocation WHEN costed THEN Lambda’s own lines are a second ingestion line, per invocation', () => {
    const inputs = usage({ functions: [{ ...VALIDATE_ORDER, platformLogBytesPerInvocation: 512 }] });

    const platform = line(inputs, 'CloudWatch Logs', 'ingestion: Lambda platform lines (start, report)');

    expect(platform.quantityPer1M).toBeCloseTo((1_000 * 512 * 10_000) / BYTES_PER_GB, 9);
    expect(platform.usd).toBeCloseTo(platform.quantityPer1M * P.cloudWatchLogs.ingestionPerGb, 9);
    expect(costPer1MOrders(usage({ functions: [VALIDATE_ORDER] })).lines.map((l) => l.item)).not.toContain(
      'ingestion: Lambda platform lines (start, report)',
    );
  });

  it('GIVEN logged bytes and traces WHEN costed THEN logs are priced per GB ingested and X-Ray per trace recorded', () => {
    const breakdown = costPer1MOrders(usage({ logBytes: 5 * 1024 * 1024, tracedInvocations: 12.5 }));

    expect(breakdown.byService['CloudWatch Logs']).toBeCloseTo(
      ((5 * 1024 * 1024 * 10_000) / BYTES_PER_GB) * P.cloudWatchLogs.ingestionPerGb,
      9,
    );
    expect(breakdown.byService['X-Ray']).toBeCloseTo(
      ((12.5 * 10_000) / 1e6) * P.xRay.perMillionTracesRecorded,
      9,
    );
    expect(costPer1MOrders(NOTHING).byService['X-Ray']).toBe(0);
  });

  it('GIVEN HTTP API requests WHEN costed THEN API Gateway is priced per request; without them it is not priced', () => {
    const breakdown = costPer1MOrders(usage({ httpApiRequests: 250 }));

    expect(breakdown.byService['API Gateway']).toBeCloseTo(
      ((250 * 10_000) / 1e6) * P.apiGateway.httpApiPerMillionRequests,
      9,
    );
    expect(line(usage({ httpApiRequests: 250 }), 'API Gateway', 'HTTP API requests').listPrice).toEqual({
      usd: P.apiGateway.httpApiPerMillionRequests,
      per: '1M requests',
    });
    expect(costPer1MOrders(NOTHING).lines.some((l) => l.service === 'API Gateway')).toBe(false);
  });

  it('GIVEN calls of a service the table does not price WHEN costed THEN they are reported per 1M orders, not dropped', () => {
    const breakdown = costPer1MOrders(usage({ apiCalls: { 'CloudWatchLogs.PutLogEvents': 7 } }));

    expect(breakdown.unpricedApiCalls).toEqual({ 'CloudWatchLogs.PutLogEvents': 70_000 });
    expect(breakdown.totalUsd).toBe(0);
  });

  it('GIVEN a whole run WHEN costed THEN byService has every service and sums, with the lines, to the total', () => {
    const breakdown = costPer1MOrders({
      orders: 250,
      functions: [
        VALIDATE_ORDER,
        { ...VALIDATE_ORDER, name: 'analytics', memoryMb: 512, billedDurationMs: 250_123 },
      ],
      apiCalls: {
        'SQS.ReceiveMessage': 400,
        'EventBridge.PutEvents': 900,
        'DynamoDB.TransactWriteItems': 250,
      },
      eventBridgeEntries: 1_250,
      eventBridgeBytes: 1_250 * 1_500,
      dynamoDb: {
        orders: { writeUnits: 6_000, readUnits: 300 },
        analytics: { writeUnits: 3_000, readUnits: 0 },
      },
      logBytes: 3_000_000,
      tracedInvocations: 100,
      httpApiRequests: 500,
    });

    expect(Object.keys(breakdown.byService)).toEqual([...SERVICES]);
    expect(breakdown.byService['API Gateway']).toBeGreaterThan(0);
    const byService = Object.values(breakdown.byService).reduce((a, b) => a + b, 0);
    const byLine = breakdown.lines.reduce((a, l) => a + l.usd, 0);
    expect(byService).toBeCloseTo(breakdown.totalUsd, 9);
    expect(byLine).toBeCloseTo(breakdown.totalUsd, 9);
    for (const l of breakdown.lines) expect(l.usd).toBeCloseTo(l.quantityPer1M * l.unitPriceUsd, 9);
    expect(breakdown.priceTable).toEqual({
      asOf: P.asOf,
      region: 'us-east-1',
      currency: 'USD',
      file: DEFAULT_PRICE_TABLE_FILE,
    });
  });

  it('GIVEN twice the usage for twice the orders WHEN costed THEN the cost per 1M orders is the same', () => {
    const once = costPer1MOrders(
      usage({ functions: [VALIDATE_ORDER], eventBridgeEntries: 500, logBytes: 10_000 }),
    );
    const twice = costPer1MOrders({
      ...NOTHING,
      orders: 200,
      functions: [{ ...VALIDATE_ORDER, invocations: 2_000, billedDurationMs: 200_000 }],
      eventBridgeEntries: 1_000,
      logBytes: 20_000,
    });

    expect(twice.totalUsd).toBeCloseTo(once.totalUsd, 9);
  });

  it('GIVEN alarms and a dashboard WHEN costed THEN they are a fixed monthly cost, outside the per-order total', () => {
    const breakdown = costPer1MOrders(NOTHING, { alarms: 48, dashboards: 1 });

    expect(breakdown.totalUsd).toBe(0);
    expect(breakdown.fixedMonthlyUsd.totalUsd).toBeCloseTo(
      48 * P.cloudWatch.standardAlarmPerMonth + P.cloudWatch.dashboardPerMonth,
      9,
    );
    expect(breakdown.fixedMonthlyUsd.items.map((i) => [i.item, i.quantity])).toEqual([
      ['CloudWatch standard alarms', 48],
      ['CloudWatch dashboards', 1],
    ]);
    expect(costPer1MOrders(NOTHING).fixedMonthlyUsd).toEqual({ totalUsd: 0, items: [] });
  });

  it('GIVEN a table with a doubled price WHEN costed with it THEN that service doubles and the table is named as the caller’s', () => {
    const doubled: PriceTable = {
      ...P,
      sqs: { ...P.sqs, standardPerMillionRequests: P.sqs.standardPerMillionRequests * 2 },
    };
    const inputs = usage({ apiCalls: { 'SQS.ReceiveMessage': 100 } });

    const breakdown = costPer1MOrders(inputs, { prices: doubled });

    expect(breakdown.byService.SQS).toBeCloseTo(costPer1MOrders(inputs).byService.SQS * 2, 9);
    expect(breakdown.priceTable.file).toBe('supplied by the caller');
  });

  it('fails for a price table with a missing price before pricing anything', () => {
    const { sqs: _sqs, ...withoutSqs } = P;
    expect(() => costPer1MOrders(NOTHING, { prices: withoutSqs as PriceTable })).toThrow(
      /^prices\.sqs must be an object, got undefined$/,
    );
  });
});

describe('costAtVolume', () => {
  const breakdown = costPer1MOrders(usage({ functions: [VALIDATE_ORDER], eventBridgeEntries: 500 }), {
    alarms: 48,
    dashboards: 1,
  });

  it('GIVEN no orders WHEN costed for a month THEN only the fixed cost remains', () => {
    expect(costAtVolume(breakdown, 0)).toBe(breakdown.fixedMonthlyUsd.totalUsd);
  });

  it('GIVEN 2.5M orders a month WHEN costed THEN it is 2.5 times the per-1M cost plus the fixed cost', () => {
    expect(costAtVolume(breakdown, 2_500_000)).toBeCloseTo(
      2.5 * breakdown.totalUsd + breakdown.fixedMonthlyUsd.totalUsd,
      9,
    );
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('fails for %s orders a month', (orders) => {
    expect(() => costAtVolume(breakdown, orders)).toThrow(/ordersPerMonth must be a finite number >= 0/);
  });
});

describe('roundUsd', () => {
  it.each([
    [0, 0],
    [1234.5678, 1234.57],
    [52.3456, 52.35],
    [10, 10],
    [5.33344, 5.333],
    [0.000123456, 0.0001235],
    [-0.0456789, -0.04568],
  ])('rounds %s to %s', (usd, rounded) => {
    expect(roundUsd(usd)).toBe(rounded);
  });
});
