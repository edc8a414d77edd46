import { LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { LocalLambdaRunner } from '@order-pipeline/local-cloud/lambda-runner';
import {
  type LocalPipeline,
  type LocalPipelineOptions,
  startLocalPipeline,
} from '@order-pipeline/local-cloud/local-pipeline';
import { LOCAL_POLLERS_PER_QUEUE } from './target';

/** Stage local's function timeout, for the tests below. */
export const RELAXED_FUNCTION_TIMEOUT_SECONDS = 5;

/**
 * startLocalPipeline, with every function's timeout set to `functionTimeoutSeconds` before the Lambda
 * runner starts (the queues keep the visibility timeouts they were deployed with), and as many pollers per
 * queue as the suite's own target. For the mechanics tests that assert every invocation succeeds: stage
 * test's 3 s timeout keeps the dead-letter scenarios short, but a burst of full batches can outlast it on
 * a busy 2-core machine, the more so with 10 pollers per queue.
 */
export async function startLocalPipelineWithTimeout(
  options: LocalPipelineOptions,
  functionTimeoutSeconds = RELAXED_FUNCTION_TIMEOUT_SECONDS,
): Promise<LocalPipeline> {
  const { runner: runnerOptions, ...rest } = options;
  const pipeline = await startLocalPipeline({ ...rest, startRunner: false });
  try {
    const lambda = new LambdaClient(pipeline.emulator.clientConfig);
    try {
      for (const { function: fn } of pipeline.runner?.mappings ?? []) {
        await lambda.send(
          new UpdateFunctionConfigurationCommand({
            FunctionName: fn.functionName,
            Timeout: functionTimeoutSeconds,
          }),
        );
      }
    } finally {
      lambda.destroy();
    }
    const runner = await LocalLambdaRunner.fromDeployment(pipeline.deployment, pipeline.emulator, {
      maxConcurrencyPerMapping: LOCAL_POLLERS_PER_QUEUE,
      ...runnerOptions,
    });
    runner.start();
    return {
      ...pipeline,
      runner,
      stop: async () => {
        await runner.stop();
        await pipeline.stop();
      },
    };
  } catch (err) {
    await pipeline.stop();
    throw err;
  }
}
