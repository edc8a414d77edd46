import { describe, expect, it } from '@jest/globals';
import { capacityByTable } from '../../src/bench/result';

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
