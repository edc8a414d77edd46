import { describe, expect, it } from '@jest/globals';
import { paceSchedule } from '../../src/bench/light-load-phase';

describe('paceSchedule', () => {
  it('GIVEN 3 orders a second apart THEN each is due one interval after the one before', () => {
    expect(paceSchedule(10_000, 3, 1_000)).toEqual([10_000, 11_000, 12_000]);
  });

  it('GIVEN no orders THEN nothing is due', () => {
    expect(paceSchedule(10_000, 0, 1_000)).toEqual([]);
  });
});
