import { describe, expect, it } from '@jest/globals';
import { platformLogBytesPerInvocation } from '../../src/bench/platform-logs';

describe('platformLogBytesPerInvocation', () => {
  it('GIVEN the default system log level WHEN sized THEN a start and a report record are counted, each a JSON line', () => {
    const bytes = platformLogBytesPerInvocation();

    // Two JSON lines of a few hundred bytes each: a request id, a trace header, the report's metrics.
    expect(bytes).toBeGreaterThan(300);
    expect(bytes).toBeLessThan(1_000);
    expect(platformLogBytesPerInvocation('INFO')).toBe(bytes);
    expect(platformLogBytesPerInvocation('DEBUG')).toBe(bytes);
  });

  it('GIVEN system log level WARN WHEN sized THEN Lambda logs no start or report line', () => {
    expect(platformLogBytesPerInvocation('WARN')).toBe(0);
  });
});
