import type { Config } from '@jest/types';
import TestRunner, { type TestRunnerContext } from 'jest-runner';

/**
 * jest's runner with a pool of one worker: the integration files run one after the other, in a process
 * of their own, while the target the global setup started (moto, the local Lambda runner) keeps jest's
 * main process to itself.
 */
export default class OneWorkerRunner extends TestRunner {
  constructor(globalConfig: Config.GlobalConfig, context: TestRunnerContext) {
    super({ ...globalConfig, maxWorkers: 1 }, context);
  }
}
