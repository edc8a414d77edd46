import type { TestProject } from 'vitest/node';
import { startTarget, type TargetDescription, targetKind } from './target';

/**
 * Starts the target once for the whole run (one deployment shared by every test: each test tags its
 * data with the run id and unique order ids) and stops what it started when the run ends, failed or not.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    pipelineTarget: TargetDescription;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kind = targetKind();
  const log = (line: string) => console.log(`[integration:${kind}] ${line}`);
  const started = Date.now();
  const target = await startTarget(kind, log);
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s (stage ${target.description.stage})`);
  project.provide('pipelineTarget', target.description);
  return async () => {
    await target.stop();
    log('stopped');
  };
}
