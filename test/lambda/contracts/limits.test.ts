import { describe, expect, it } from 'vitest';
import * as limits from '../../../lambda/contracts/limits';
import * as defaults from '../../../lib/defaults';

describe('runtime limits', () => {
  it('GIVEN the SDK settings WHEN every attempt of a call times out THEN the call still ends well inside the function timeout', () => {
    const worstCallMs =
      limits.SDK_MAX_ATTEMPTS * (limits.SDK_CONNECTION_TIMEOUT_MS + limits.SDK_REQUEST_TIMEOUT_MS);
    expect(worstCallMs * 2).toBeLessThanOrEqual(defaults.FUNCTION_TIMEOUT.toMilliseconds());
  });

  it('GIVEN the PutEvents retry settings WHEN every backoff is at its maximum THEN the waits stay under a second', () => {
    const worstWaitMs = Array.from(
      { length: limits.PUT_EVENTS_MAX_ATTEMPTS - 1 },
      (_, i) => limits.PUT_EVENTS_BASE_DELAY_MS * 2 ** i,
    ).reduce((a, b) => a + b, 0);
    expect(worstWaitMs).toBeLessThan(1_000);
  });

  it('GIVEN lib/defaults.ts WHEN it states the same numbers THEN they agree with the runtime ones', () => {
    for (const name of [
      'PUT_EVENTS_MAX_ENTRIES',
      'PUT_EVENTS_MAX_ATTEMPTS',
      'PUT_EVENTS_BASE_DELAY_MS',
      'ANALYTICS_SHARDS',
    ]) {
      expect(defaults[name as keyof typeof defaults], name).toBe(limits[name as keyof typeof limits]);
    }
  });
});
