import { checkNoFocusedOrSkippedTests } from './focus-guard';

/** The unit project's global setup: no test may be focused or skipped (test/support/focus-guard.ts). */
export default function setup(): void {
  checkNoFocusedOrSkippedTests();
}
