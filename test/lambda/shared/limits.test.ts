import { describe, expect, it } from '@jest/globals';
import {
  PUT_EVENTS_BASE_DELAY_MS,
  PUT_EVENTS_MAX_ATTEMPTS,
  SDK_CONNECTION_TIMEOUT_MS,
  SDK_MAX_ATTEMPTS,
  SDK_REQUEST_TIMEOUT_MS,
} from '../../../lambda/shared/limits';
import * as defaults from '../../../lib/defaults';

describe('runtime limits', () => {
  it('GIVEN the SDK settings WHEN every attempt of a call times out THEN two such calls still end inside the function timeout', () => {
    const worstCallMs = SDK_MAX_ATTEMPTS * (SDK_CONNECTION_TIMEOUT_MS + SDK_REQUEST_TIMEOUT_MS);
    expect(worstCallMs * 2).toBeLessThanOrEqual(defaults.FUNCTION_TIMEOUT.toMilliseconds());
  });

  it('GIVEN the PutEvents retry settings WHEN every backoff is at its maximum THEN the waits stay under a second', () => {
    const waits = Array.from(
      { length: PUT_EVENTS_MAX_ATTEMPTS - 1 },
      (_, i) => PUT_EVENTS_BASE_DELAY_MS * 2 ** i,
    );
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThan(1_000);
  });
});
