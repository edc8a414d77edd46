// JavaScript, not TypeScript: jest loads a test sequencer with a plain require, without its transform.
const Sequencer = require('@jest/test-sequencer').default;

/**
 * The integration files run on two workers. Most of their time is waiting for visibility timeouts, so two
 * files at once roughly halves the wall time; which two share the CPU matters more than their order:
 *
 * - the pipeline's scenarios (a burst of invocations on the target the global setup started) run beside
 *   the ops CLI's end-to-end file, which mostly waits for its dead letters;
 * - moto-behaviour's CPU-heavy race check comes after the burst, never during it;
 * - the short mechanics files fill in behind.
 *
 * Files not listed keep jest's order (slowest first), after the listed ones. The unit project's files are
 * none of these, so its order is jest's.
 */
const FIRST = ['order-pipeline.test.ts', 'ops.test.ts', 'moto-behaviour.test.ts'];

/** @param {import('@jest/test-result').Test} test */
const rank = (test) => {
  const index = FIRST.findIndex((name) => test.path.endsWith(`/${name}`));
  return index === -1 ? FIRST.length : index;
};

class IntegrationLanes extends Sequencer {
  /** @param {Array<import('@jest/test-result').Test>} tests */
  async sort(tests) {
    // Array.prototype.sort is stable: within a rank, jest's order stays.
    return [...(await super.sort(tests))].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = IntegrationLanes;
