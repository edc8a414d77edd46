import { afterEach, beforeEach } from '@jest/globals';
import { healthyAws } from './aws-mocks';
import { captureOutput } from './logs';

type CapturedOutput = Omit<ReturnType<typeof captureOutput>, 'restore'>;

/**
 * The per-test setup every handler test shares: SDK mocks answering as a healthy AWS, and the
 * function's output captured (and restored afterwards) so tests can assert on its log lines.
 */
export function useHandlerHarness(): CapturedOutput {
  let current: ReturnType<typeof captureOutput> | undefined;
  beforeEach(() => {
    healthyAws();
    current = captureOutput();
  });
  afterEach(() => {
    current?.restore();
    current = undefined;
  });
  const capture = () => {
    if (!current) throw new Error('output is captured only while a test runs');
    return current;
  };
  return {
    text: () => capture().text(),
    entries: () => capture().entries(),
    clear: () => capture().clear(),
  };
}
