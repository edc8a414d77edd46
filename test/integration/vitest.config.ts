import { defineConfig } from 'vitest/config';

/**
 * Integration tests, run by `npm run test:integration` (`npm run test:unit` excludes this folder; `npm test` runs both).
 *
 * - order-pipeline.test.ts: the reliability scenarios against the target INTEGRATION_TARGET names
 *   (local by default: moto, the real app, the local Lambda runner; or localstack, or aws). The global
 *   setup starts the target once and stops it at the end (test/integration/support/target.ts).
 * - the mechanics tests of the local tooling (emulator, deployer, runner) and the ops CLI end to end;
 *   local target only. Each starts its own moto.
 */

const MECHANICS = [
  'test/integration/bus-policy.test.ts',
  'test/integration/deploy.test.ts',
  'test/integration/lambda-runner.test.ts',
  'test/integration/local-pipeline.test.ts',
  'test/integration/moto-behaviour.test.ts',
  'test/integration/ops.test.ts',
];
const target = process.env.INTEGRATION_TARGET || 'local';

export default defineConfig({
  test: {
    root: `${__dirname}/../..`,
    include: ['test/integration/order-pipeline.test.ts', ...(target === 'local' ? MECHANICS : [])],
    globalSetup: ['test/integration/support/global-setup.ts'],
    // Files run one after the other, so the timing-sensitive mechanics tests never share the CPU with
    // the pipeline's burst of invocations; the scenarios inside order-pipeline.test.ts run concurrently.
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
    // Every scenario of the pipeline file at once: most of their time is waiting for visibility timeouts.
    maxConcurrency: 20,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    allowOnly: false,
  },
});
