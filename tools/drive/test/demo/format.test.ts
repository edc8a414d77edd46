import { describe, expect, it } from '@jest/globals';
import { formatDuration, table } from '../../src/demo/format';

describe('formatDuration', () => {
  it('uses ms below a second, seconds below a minute, then minutes and seconds', () => {
    // GIVEN durations of each range
    // WHEN formatted
    // THEN each uses its unit
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(155_400)).toBe('2m 35s');
    expect(formatDuration(-20)).toBe('0 ms');
  });
});

describe('table', () => {
  it('aligns the first column left, numbers right, and appends notes', () => {
    // GIVEN a header and rows, one with a note
    // WHEN rendered
    const lines = table(
      ['state', 'expected', 'actual'],
      [
        ['FULFILLED', 120, 120],
        ['REJECTED', 40, 39, '<- differs'],
      ],
    );
    // THEN columns line up
    expect(lines).toEqual([
      '  state      expected  actual',
      '  FULFILLED       120     120',
      '  REJECTED         40      39  <- differs',
    ]);
  });
});
