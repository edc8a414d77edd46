import { defineConfig } from 'vitest/config';

/**
 * Integration tests: they start moto (local/emulator.ts) and talk to it over loopback. Run with
 * `npm run test:integration`; the unit run (`npm test`) excludes this folder.
 */
export default defineConfig({
  test: {
    root: `${__dirname}/../..`,
    include: ['test/integration/**/*.test.ts'],
    // Each file starts its own emulator; running files one by one keeps a laptop responsive.
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    allowOnly: false,
  },
});
