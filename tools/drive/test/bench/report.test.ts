import { describe, expect, it } from '@jest/globals';
import { replaceBlock, unitsPerOrder } from '../../src/bench/report';

describe('replaceBlock', () => {
  it('GIVEN a document with the markers THEN only what is between them is replaced', () => {
    const doc = 'intro\n<!-- bench:begin -->\nold figures\n<!-- bench:end -->\noutro\n';

    expect(replaceBlock(doc, 'bench', 'new figures')).toBe(
      'intro\n<!-- bench:begin -->\nnew figures\n<!-- bench:end -->\noutro\n',
    );
  });

  it('fails when the markers are missing, naming them', () => {
    expect(() => replaceBlock('no markers', 'measured', 'x')).toThrow(/<!-- measured:begin -->/);
  });
});

describe('unitsPerOrder', () => {
  it('GIVEN units by table WHEN shown THEN the write units are split by table after their total', () => {
    const units = {
      write: 14.25,
      read: 0.4,
      byTable: {
        analytics: { write: 4.1, read: 0 },
        inventory: { write: 3.04, read: 0.1 },
        orders: { write: 7.11, read: 0.3 },
      },
    };

    expect(unitsPerOrder(units)).toBe(
      '14.3 write units (analytics 4.1, inventory 3.0, orders 7.1), 0.4 read units',
    );
    expect(unitsPerOrder({ write: 0, read: 0, byTable: {} })).toBe('0.0 write units, 0.0 read units');
  });
});
