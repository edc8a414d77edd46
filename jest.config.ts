/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

/**
 * Two projects: `npm run test:unit` runs `unit`, `npm run test:integration` runs `integration`, and a bare
 * `npx jest` runs both (unit first, on two workers; then integration). They cover the app (test/) and the
 * workspaces under tools/ (tools/<name>/test/); `npm test` in a workspace runs its own files through this
 * configuration.
 *
 * - unit: domain, handlers, contracts, templates, snapshots, cdk-nag, scripts, and the pure parts of the
 *   tools (local cloud, pipeline client, demo and benchmark, ops CLI). No emulator, no network.
 * - integration: order-pipeline.test.ts and order-api.test.ts, the reliability scenarios and the HTTP
 *   API against the target INTEGRATION_TARGET names (local by default: moto, the real app, the local
 *   Lambda runner; or localstack, or aws). Its global setup starts the target once and stops it at the
 *   end (test/integration/support/target.ts). On the local target also order-api-jwt.test.ts (the same
 *   deployment served as a JWT stage would serve it), the mechanics tests of the local cloud (emulator,
 *   deployer, runner, HTTP API: tools/local-cloud/test/integration/) and the ops CLI end to end
 *   (tools/ops/test/integration/); each of those files starts its own moto.
 */

// TypeScript is transpiled by SWC: the same files took longer through ts-jest (README, "Tests").
// Type checking is `npm run typecheck`'s job.
const transform: Config['transform'] = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
  // jose (the local HTTP API's JWT issuer) ships ES modules only, which jest's CommonJS runtime cannot load.
  '/node_modules/jose/.+\\.js$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};
const transformIgnorePatterns = ['/node_modules/(?!jose/)'];

/**
 * Scenarios only the local target can set up: a JWT variant of the deployed API, served locally, and the
 * app on the local cloud (its own deployment, the local bus policy, the runner's reports).
 */
const LOCAL_ONLY = [
  '<rootDir>/test/integration/order-api-jwt.test.ts',
  '<rootDir>/test/integration/local-pipeline.test.ts',
];
/** The workspaces' integration files: each starts its own moto, so only the local target runs them. */
const MECHANICS = [
  '<rootDir>/tools/local-cloud/test/integration/*.test.ts',
  '<rootDir>/tools/ops/test/integration/*.test.ts',
];
const target = process.env.INTEGRATION_TARGET || 'local';

const config: Config = {
  // CDK synth is CPU-bound; two workers match the two cores of CI without starving it.
  maxWorkers: 2,
  // Decides which integration files share the two workers (test/integration/support/lanes.cjs).
  testSequencer: '<rootDir>/test/integration/support/lanes.cjs',
  // Every scenario of the pipeline file at once: most of their time is waiting for visibility timeouts.
  maxConcurrency: 20,
  // Synthesizing a whole stage is CPU-bound, and slower on a busy machine. The integration project
  // raises it (test/integration/support/timeouts.ts).
  testTimeout: 60_000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      roots: ['<rootDir>/test', '<rootDir>/tools'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '<rootDir>/test/integration/',
        '<rootDir>/tools/[^/]+/test/integration/',
      ],
      // Fails the run when a test file focuses or skips a test (test/support/focus-guard.ts).
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      setupFiles: [
        // Handlers and Powertools read their configuration when they are imported.
        '<rootDir>/test/lambda/support/handler-env-setup.ts',
        '<rootDir>/test/support/structured-clone.ts',
      ],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      roots: ['<rootDir>/test/integration', '<rootDir>/tools'],
      testMatch: [
        '<rootDir>/test/integration/order-pipeline.test.ts',
        '<rootDir>/test/integration/order-api.test.ts',
        ...(target === 'local' ? [...LOCAL_ONLY, ...MECHANICS] : []),
      ],
      globalSetup: '<rootDir>/test/integration/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/integration/support/timeouts.ts'],
    },
  ],
};

export default config;
