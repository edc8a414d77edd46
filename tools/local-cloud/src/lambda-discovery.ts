import { statSync } from 'node:fs';
import {
  GetEventSourceMappingCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { readCloudAssembly } from './cloud-assembly';
import type { DeployedStack, Deployment } from './deploy';
import { type Emulator, LOCAL_ACCOUNT_ID } from './emulator';
import type { EnvironmentFunction } from './execution-environment';
import { readTemplateFunctions, readTemplateSqsMappings } from './lambda-template';
import { RunnerError } from './runner-error';

/**
 * What the local runner runs, found in a deployment: its SQS event source mappings and their functions,
 * configured as the emulator's Lambda API reports them, with their code from the cloud assembly.
 */

export interface LocalFunction extends EnvironmentFunction {
  readonly stackName: string;
  readonly logicalId: string;
  /** Its `POWERTOOLS_SERVICE_NAME`, else its logical id: what logs and stats call it. */
  readonly shortName: string;
  /**
   * Its execution role. The function signs its requests with this role's access key id, so the emulator
   * can tell it from every other principal (principals.ts).
   * @default - the shared local credentials
   */
  readonly roleArn?: string;
}

export interface LocalSqsMapping {
  readonly stackName: string;
  readonly logicalId: string;
  /** The mapping's id on the emulator. */
  readonly uuid?: string;
  readonly function: LocalFunction;
  readonly queueArn: string;
  readonly queueUrl: string;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly maxConcurrency?: number;
  /** The mapping's intended state (the template's `Enabled`); disabled mappings are not polled. */
  readonly enabled: boolean;
}

/**
 * Reads the SQS mappings of a deployment and their functions: configuration as the emulator's Lambda
 * API reports it (resolved environment, handler, timeout, memory, batch settings), code location and
 * intended state from the synthesized templates. On moto it makes sure moto's own copy of each mapping
 * is disabled (the deploy shim does that; this re-checks, and disables it if someone re-enabled it).
 * Throws when the emulator itself runs a mapping: two pollers on one queue would each see half.
 */
export async function discoverSqsMappings(
  deployment: Deployment,
  emulator: Pick<Emulator, 'clientConfig' | 'isMoto' | 'region'>,
): Promise<LocalSqsMapping[]> {
  const lambda = new LambdaClient(emulator.clientConfig);
  const sqs = new SQSClient(emulator.clientConfig);
  const assetDirByKey = assetDirectories(deployment);
  const result: LocalSqsMapping[] = [];
  try {
    for (const stack of deployment.stacks) {
      for (const m of readTemplateSqsMappings(stack.template)) {
        const uuid = stack.resources[m.logicalId]?.physicalId;
        if (!uuid) {
          throw new RunnerError(
            `${stack.stackName}: ${m.logicalId} or its function was not created on the emulator`,
          );
        }

        let esm = await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
        if (esm.State === 'Enabled' || esm.State === 'Enabling') {
          if (!emulator.isMoto) {
            throw new RunnerError(
              `${stack.stackName}/${m.logicalId} is enabled on the emulator, which polls the queue itself: ` +
                'the local runner is for emulators that do not run Lambda code (moto).',
            );
          }
          await lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
          esm = await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
          if (esm.State !== 'Disabled') {
            throw new RunnerError(`could not disable moto's copy of ${m.logicalId} (state ${esm.State})`);
          }
        }
        const queueArn = esm.EventSourceArn;
        if (!queueArn) throw new RunnerError(`${m.logicalId} has no EventSourceArn on the emulator`);
        if (queueArn.endsWith('.fifo')) {
          throw new RunnerError(
            `${m.logicalId} reads a FIFO queue: the local runner supports standard queues only`,
          );
        }

        const fn = await describeLocalFunction(lambda, deployment, stack, m.functionLogicalId, assetDirByKey);
        const queueName = queueArn.split(':').pop() ?? '';
        const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
        if (!QueueUrl)
          throw new RunnerError(`queue ${queueName} of ${m.logicalId} not found on the emulator`);

        result.push({
          stackName: stack.stackName,
          logicalId: m.logicalId,
          uuid,
          function: fn,
          queueArn,
          queueUrl: QueueUrl,
          batchSize: esm.BatchSize ?? m.batchSize,
          maxBatchingWindowSeconds: esm.MaximumBatchingWindowInSeconds ?? m.maxBatchingWindowSeconds,
          reportBatchItemFailures: esm.FunctionResponseTypes
            ? esm.FunctionResponseTypes.includes('ReportBatchItemFailures')
            : m.reportBatchItemFailures,
          maxConcurrency: esm.ScalingConfig?.MaximumConcurrency ?? m.maxConcurrency,
          enabled: m.enabled,
        });
      }
    }
  } finally {
    lambda.destroy();
    sqs.destroy();
  }
  return result;
}

/** Asset object key -> its directory in the cloud assembly: the unzipped code of each function. */
export function assetDirectories(
  deployment: Pick<Deployment, 'assemblyDirectory' | 'region'>,
): ReadonlyMap<string, string> {
  const assembly = readCloudAssembly(deployment.assemblyDirectory, {
    account: LOCAL_ACCOUNT_ID,
    region: deployment.region,
  });
  return new Map(assembly.stacks.flatMap((s) => s.assets.map((a) => [a.objectKey, a.sourcePath] as const)));
}

/**
 * A deployed function as an execution environment runs it: configuration as the emulator's Lambda API
 * reports it (resolved environment, role, timeout, memory), code from the cloud assembly.
 */
export async function describeLocalFunction(
  lambda: LambdaClient,
  deployment: Pick<Deployment, 'assemblyDirectory' | 'region'>,
  stack: Pick<DeployedStack, 'stackName' | 'template' | 'resources'>,
  logicalId: string,
  assetDirByKey: ReadonlyMap<string, string>,
): Promise<LocalFunction> {
  const tf = readTemplateFunctions(stack.template).find((f) => f.logicalId === logicalId);
  const functionName = stack.resources[logicalId]?.physicalId;
  if (!tf || !functionName) {
    throw new RunnerError(`${stack.stackName}: function ${logicalId} was not created on the emulator`);
  }
  const cfg = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  const codeDirectory = tf.codeS3Key ? assetDirByKey.get(tf.codeS3Key) : undefined;
  if (!codeDirectory || !statSync(codeDirectory, { throwIfNoEntry: false })?.isDirectory()) {
    throw new RunnerError(
      `${stack.stackName}/${logicalId}: its code (S3 key ${tf.codeS3Key ?? 'none'}) is not a directory asset of ${deployment.assemblyDirectory}`,
    );
  }
  const environment = cfg.Environment?.Variables ?? {};
  return {
    stackName: stack.stackName,
    logicalId,
    shortName: environment.POWERTOOLS_SERVICE_NAME ?? logicalId,
    functionName: cfg.FunctionName ?? functionName,
    roleArn: cfg.Role,
    functionArn:
      cfg.FunctionArn ?? `arn:aws:lambda:${deployment.region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    handler: cfg.Handler ?? tf.handler ?? 'index.handler',
    runtime: cfg.Runtime ?? tf.runtime,
    timeoutSeconds: cfg.Timeout ?? tf.timeoutSeconds,
    memorySizeMb: cfg.MemorySize ?? tf.memorySizeMb,
    environment,
    codeDirectory,
    logGroupName: cfg.LoggingConfig?.LogGroup ?? `/aws/lambda/${functionName}`,
    logFormat: cfg.LoggingConfig?.LogFormat ?? tf.logFormat,
    applicationLogLevel: cfg.LoggingConfig?.ApplicationLogLevel ?? tf.applicationLogLevel,
    systemLogLevel: cfg.LoggingConfig?.SystemLogLevel ?? tf.systemLogLevel,
  };
}
