import { describe, expect, it } from '@jest/globals';
import { behindTheBus, capacityBehindTheBus } from '../../src/bench/cost-scope';
import { NOTHING, VALIDATE_ORDER } from './support/cost-fixtures';

const PLACE_ORDER = { ...VALIDATE_ORDER, name: 'place-order', invocations: 100, billedDurationMs: 5_000 };

describe('behindTheBus', () => {
  const inputs = {
    ...NOTHING,
    functions: [PLACE_ORDER, VALIDATE_ORDER],
    httpApiRequests: 200,
    eventBridgeEntries: 420,
    dynamoDb: { orders: { writeUnits: 600, readUnits: 300 } },
    logBytes: 10_000,
    tracedInvocations: 55,
  };

  it('GIVEN a run through the API WHEN scoped behind the bus THEN the API, its functions, their logs and traces go, the events stay', () => {
    const scoped = behindTheBus(
      inputs,
      {
        functions: new Set(['place-order']),
        logBytes: 4_000,
        dynamoDbBehindTheBus: { orders: { writeUnits: 500, readUnits: 200 } },
      },
      0.05,
    );

    expect(scoped.httpApiRequests).toBeUndefined();
    expect(scoped.functions.map((fn) => fn.name)).toEqual(['validate-order']);
    expect(scoped.logBytes).toBe(6_000);
    expect(scoped.tracedInvocations).toBeCloseTo(55 - 100 * 0.05, 9);
    expect(scoped.dynamoDb).toEqual({ orders: { writeUnits: 500, readUnits: 200 } });
    expect(scoped.eventBridgeEntries).toBe(420);
    expect(scoped.orders).toBe(100);
  });
});

describe('capacityBehindTheBus', () => {
  it('GIVEN rows of the pipeline and of the front door WHEN scoped THEN the pipeline’s stay, the front door keeps only its write of the order', () => {
    const rows = [
      { caller: 'validate-order', table: 'Orders', writeUnits: 5, readUnits: 2 },
      { caller: 'place-order', table: 'Orders', writeUnits: 1, readUnits: 1 },
      { caller: 'place-order', table: 'Other', writeUnits: 2, readUnits: 0 },
      { caller: 'get-order', table: 'Orders', writeUnits: 0, readUnits: 3 },
    ];

    const scoped = capacityBehindTheBus(
      rows,
      (row) => (row.caller === 'validate-order' ? undefined : row.caller),
      { writer: 'place-order', table: 'Orders' },
    );

    expect(scoped).toEqual([
      { caller: 'validate-order', table: 'Orders', writeUnits: 5, readUnits: 2 },
      { caller: 'place-order', table: 'Orders', writeUnits: 1, readUnits: 0 },
    ]);
  });
});
