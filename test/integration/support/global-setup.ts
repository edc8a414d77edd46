import { checkNoFocusedOrSkippedTests } from '../../support/focus-guard';
import { startTarget, TARGET_DESCRIPTION_VARIABLE, targetKind } from './target';

/**
 * Starts the target once for the whole run (one deployment shared by every test: each test tags its
 * data with the run id and unique order ids) and hands its description to the test files through the
 * environment, which jest's workers inherit. The global teardown stops what it started, failed run or not.
 */

export const STOP_TARGET = Symbol.for('order-pipeline.integration.stopTarget');

export default async function setup(): Promise<void> {
  checkNoFocusedOrSkippedTests();
  const kind = targetKind();
  const log = (line: string) => console.log(`[integration:${kind}] ${line}`);
  const started = Date.now();
  const target = await startTarget(kind, log);
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s (stage ${target.description.stage})`);
  process.env[TARGET_DESCRIPTION_VARIABLE] = JSON.stringify(target.description);
  (globalThis as Record<symbol, unknown>)[STOP_TARGET] = async () => {
    await target.stop();
    log('stopped');
  };
}
