import { describe, expect, it } from '@jest/globals';
import { atLightLoadDurations } from '../../src/bench/cost-durations';
import { type FunctionUsage, unusedFunction } from '../../src/bench/measure';
import { VALIDATE_ORDER } from './support/cost-fixtures';

function measured(overrides: Partial<FunctionUsage> & { name: string }): FunctionUsage {
  return { ...unusedFunction(overrides.name), ...overrides };
}

describe('atLightLoadDurations', () => {
  it('GIVEN a queue consumer WHEN priced at light-load durations THEN its loaded records take the light phase’s warm time per record, init kept', () => {
    // Loaded: 1,000 invocations of 3 records, 2 cold starts of 300 ms; light: 10 invocations of 1 record, 20 ms warm each, one cold start.
    const loaded = measured({
      name: 'validate-order',
      invocations: 1_000,
      records: 3_000,
      initBilledMs: 600,
    });
    const light = measured({
      name: 'validate-order',
      invocations: 10,
      records: 10,
      billedDurationMs: 300 + 10 * 20,
      initBilledMs: 300,
    });

    const [fn] = atLightLoadDurations(
      [VALIDATE_ORDER],
      new Map([[loaded.name, loaded]]),
      new Map([[light.name, light]]),
    );

    expect(fn?.billedDurationMs).toBe(600 + 3_000 * 20);
    expect(fn?.invocations).toBe(1_000);
  });

  it('GIVEN an API function WHEN priced THEN per invocation; and a function the light phase never ran keeps its loaded time', () => {
    const api = { ...VALIDATE_ORDER, name: 'place-order', invocations: 100, billedDurationMs: 40_000 };
    const other = { ...VALIDATE_ORDER, name: 'analytics' };
    const [placed, untouched] = atLightLoadDurations(
      [api, other],
      new Map([['place-order', measured({ name: 'place-order', invocations: 100, httpRequests: 100 })]]),
      new Map([
        [
          'place-order',
          measured({ name: 'place-order', invocations: 4, httpRequests: 4, billedDurationMs: 120 }),
        ],
      ]),
    );

    expect(placed?.billedDurationMs).toBe(100 * 30);
    expect(untouched).toEqual(other);
  });

  it('GIVEN light durations under 1 ms per invocation WHEN priced THEN every invocation is still billed at least 1 ms', () => {
    const [fn] = atLightLoadDurations(
      [VALIDATE_ORDER],
      new Map([['validate-order', measured({ name: 'validate-order', invocations: 1_000, records: 1_000 })]]),
      new Map([
        [
          'validate-order',
          measured({ name: 'validate-order', invocations: 10, records: 10, billedDurationMs: 1 }),
        ],
      ]),
    );

    expect(fn?.billedDurationMs).toBe(1_000);
  });
});
