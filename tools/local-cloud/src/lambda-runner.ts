import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { Agent } from 'node:http';
import {
  GetEventSourceMappingCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { readCloudAssembly } from './cloud-assembly';
import type { DeployedStack, Deployment } from './deploy';
import { type Emulator, LOCAL_ACCOUNT_ID } from './emulator';
import { type EnvironmentFunction, ExecutionEnvironment, type InvokeResult } from './execution-environment';
import { lambdaNodeFor } from './lambda-node';
import type { WorkerError } from './lambda-protocol';
import { readTemplateFunctions, readTemplateSqsMappings } from './lambda-template';
import { principalEnvironment } from './principals';
import { type BatchOutcome, interpretBatchResponse, messagesToDelete, toSqsRecord } from './sqs-batch';

/**
 * The Lambda service's SQS poller, run locally for an emulator that stores functions but does not run
 * them (moto without Docker). Per event source mapping: long-poll the queue, gather a batch up to the
 * batch size within the batching window, invoke the deployed bundle in an execution environment of its
 * own (execution-environment.ts), then delete only what succeeded. What is not deleted comes back
 * after the queue's visibility timeout, and the queue's redrive policy moves it to the DLQ; the emulator
 * does that part, as SQS does on AWS.
 */

/** Lambda starts this many pollers per SQS mapping when no maximum concurrency is set. */
export const DEFAULT_POLLERS = 5;

/**
 * Lambda waits up to 20 s per ReceiveMessage. Locally a shorter wait keeps stop() quick; an idle
 * poller then asks the emulator once every 2 s, which costs nothing that matters.
 */
const LONG_POLL_SECONDS = 2;

/** SQS returns at most 10 messages per ReceiveMessage and deletes at most 10 per batch call. */
const SQS_MAX_BATCH = 10;

/**
 * The SDK app id (User-Agent `app/<id>`) of the runner's own requests, the Lambda service's part; each
 * execution environment gets its function's short name, so the emulator can tell who sent what.
 */
export const RUNNER_APP_ID = 'lambda-runner';

/** Between short polls while a batching window is still open. */
const WINDOW_POLL_MS = 50;

/** After an emulator error, before the poller tries again (Lambda backs off too). */
const ERROR_BACKOFF_MS = 1_000;

export class RunnerError extends Error {
  override readonly name = 'RunnerError';
}

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

export interface InvocationReport {
  readonly functionName: string;
  readonly shortName: string;
  readonly requestId: string;
  readonly messageIds: readonly string[];
  /** ApproximateReceiveCount of each record, in the order of messageIds: 1 on a first delivery. */
  readonly receiveCounts: readonly number[];
  /** The body of each record, in the order of messageIds. */
  readonly bodies: readonly string[];
  readonly outcome: BatchOutcome;
  /** The invocation ended with an error, a crash or a timeout (the outcome is then `batch-failed`). */
  readonly error?: WorkerError & { readonly kind: 'error' | 'crash' | 'timeout' };
  readonly coldStart: boolean;
  /** Init phase of a cold start. */
  readonly initMs?: number;
  /** The invocation itself (Lambda's "Duration"). */
  readonly durationMs: number;
  /** First receive of the batch to the invocation's start: the batching window plus any wait for an environment. */
  readonly batchingMs: number;
  readonly deleted: number;
  readonly deleteFailures: number;
}

export interface FunctionStats {
  readonly functionName: string;
  readonly shortName: string;
  invocations: number;
  coldStarts: number;
  recordsReceived: number;
  recordsDeleted: number;
  /** Records reported in batchItemFailures. */
  recordsReportedFailed: number;
  /** Invocations whose whole batch failed (error, crash, timeout, malformed response). */
  batchFailures: number;
  functionErrors: number;
  crashes: number;
  timeouts: number;
  malformedResponses: number;
  deleteFailures: number;
  totalDurationMs: number;
  maxDurationMs: number;
  totalInitMs: number;
  lastError?: string;
}

export interface RunnerStats {
  readonly functions: readonly FunctionStats[];
  readonly invocations: number;
  readonly inFlight: number;
  readonly environments: number;
}

export interface LocalLambdaRunnerOptions {
  readonly emulator: Pick<Emulator, 'clientConfig' | 'childEnv' | 'region'>;
  readonly mappings: readonly LocalSqsMapping[];
  /**
   * Receives every line a function writes (its logs).
   * @default - dropped; the last lines of a failed invocation are in `lastError`
   */
  readonly onLog?: (shortName: string, line: string) => void;
  /** Called after each invocation, e.g. for tests and benchmarks. @default - none */
  readonly onInvocation?: (report: InvocationReport) => void;
  /**
   * Upper bound of concurrent invocations per mapping, below its MaximumConcurrency, for a small laptop.
   * @default - the mapping's MaximumConcurrency, or DEFAULT_POLLERS when it has none
   */
  readonly maxConcurrencyPerMapping?: number;
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

function newStats(fn: LocalFunction): FunctionStats {
  return {
    functionName: fn.functionName,
    shortName: fn.shortName,
    invocations: 0,
    coldStarts: 0,
    recordsReceived: 0,
    recordsDeleted: 0,
    recordsReportedFailed: 0,
    batchFailures: 0,
    functionErrors: 0,
    crashes: 0,
    timeouts: 0,
    malformedResponses: 0,
    deleteFailures: 0,
    totalDurationMs: 0,
    maxDurationMs: 0,
    totalInitMs: 0,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Idle warm environments of one function, handed to one invocation at a time. */
class EnvironmentPool {
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly all = new Set<ExecutionEnvironment>();

  constructor(
    private readonly fn: LocalFunction,
    private readonly emulatorEnv: Readonly<Record<string, string>>,
    private readonly onLog: (line: string) => void,
  ) {}

  get size(): number {
    return this.all.size;
  }

  /** A warm environment if one is idle, else a new (cold) one. */
  acquire(): ExecutionEnvironment {
    while (this.idle.length > 0) {
      const env = this.idle.pop();
      if (env?.alive) return env;
      if (env) this.all.delete(env);
    }
    const env = new ExecutionEnvironment(this.fn, this.emulatorEnv, this.onLog);
    this.all.add(env);
    return env;
  }

  release(env: ExecutionEnvironment): void {
    if (env.alive) this.idle.push(env);
    else this.all.delete(env);
  }

  discard(env: ExecutionEnvironment): void {
    env.kill();
    this.all.delete(env);
  }

  async close(): Promise<void> {
    const envs = [...this.all];
    this.idle.length = 0;
    this.all.clear();
    for (const env of envs) env.kill();
    await Promise.all(envs.map((e) => e.exitedPromise()));
  }
}

/** One invocation in an execution environment. */
export interface Invocation {
  readonly result: InvokeResult;
  readonly coldStart: boolean;
  /** Init phase of a cold start. */
  readonly initMs?: number;
  readonly durationMs: number;
}

export class LocalLambdaRunner {
  readonly mappings: readonly LocalSqsMapping[];
  private readonly sqs: SQSClient;
  /** ReceiveMessage requests that returned nothing (idle pollers, the tail of a batching window). */
  emptyReceives = 0;
  private readonly pools = new Map<string, EnvironmentPool>();
  private readonly statsByFunction = new Map<string, FunctionStats>();
  private readonly recentLogs = new Map<string, string[]>();
  private readonly pollers: Promise<void>[] = [];
  private stopping = false;
  private started = false;
  private inFlight = 0;
  private readonly emulatorEnv: Readonly<Record<string, string>>;

  constructor(private readonly options: LocalLambdaRunnerOptions) {
    this.mappings = options.mappings.filter((m) => m.enabled);
    const pollers = this.mappings.reduce((n, m) => n + this.pollersFor(m), 0);
    this.sqs = new SQSClient({
      ...options.emulator.clientConfig,
      userAgentAppId: RUNNER_APP_ID,
      // Every poller holds a connection for its long poll; the SDK's default of 50 sockets would queue
      // the short polls of an open batching window (and deletes) behind them for a second or more.
      requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: pollers * 2 + 16 }) },
    });
    this.emulatorEnv = options.emulator.childEnv();
    for (const m of this.mappings) this.poolFor(m.function);
  }

  /** The execution environments of `fn`, shared by its queue pollers and its synchronous invocations. */
  private poolFor(fn: LocalFunction): EnvironmentPool {
    const existing = this.pools.get(fn.functionName);
    if (existing) return existing;
    // Resolved (its version asked of it) before any poller runs, not inside a message's visibility timeout.
    lambdaNodeFor(fn.runtime);
    const logs: string[] = [];
    this.recentLogs.set(fn.functionName, logs);
    const pool = new EnvironmentPool(
      fn,
      { ...this.emulatorEnv, AWS_SDK_UA_APP_ID: fn.shortName, ...principalEnvironment(fn.roleArn) },
      (line) => {
        logs.push(line);
        if (logs.length > 50) logs.shift();
        this.options.onLog?.(fn.shortName, line);
      },
    );
    this.pools.set(fn.functionName, pool);
    this.statsByFunction.set(fn.functionName, newStats(fn));
    return pool;
  }

  /** Discovers the deployment's SQS mappings (see discoverSqsMappings) and returns a runner for them. */
  static async fromDeployment(
    deployment: Deployment,
    emulator: Pick<Emulator, 'clientConfig' | 'childEnv' | 'region' | 'isMoto'>,
    options: Omit<LocalLambdaRunnerOptions, 'emulator' | 'mappings'> = {},
  ): Promise<LocalLambdaRunner> {
    const mappings = await discoverSqsMappings(deployment, emulator);
    return new LocalLambdaRunner({ ...options, emulator, mappings });
  }

  /** Starts polling every enabled mapping. */
  start(): void {
    if (this.started) throw new RunnerError('the runner was already started; create a new one');
    this.started = true;
    for (const mapping of this.mappings) {
      for (let i = 0; i < this.pollersFor(mapping); i++) this.pollers.push(this.poll(mapping));
    }
  }

  /** One poller per concurrent invocation the mapping allows: each runs one batch at a time. */
  private pollersFor(mapping: LocalSqsMapping): number {
    const cap = this.options.maxConcurrencyPerMapping ?? Number.POSITIVE_INFINITY;
    return Math.max(1, Math.min(mapping.maxConcurrency ?? DEFAULT_POLLERS, cap));
  }

  /**
   * Stops polling, lets invocations in flight finish (each within its function timeout), releases any
   * batch gathered but not yet invoked, and ends every execution environment.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.pollers);
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.sqs.destroy();
  }

  stats(): RunnerStats {
    const functions = [...this.statsByFunction.values()].map((s) => ({ ...s }));
    return {
      functions,
      invocations: functions.reduce((n, f) => n + f.invocations, 0),
      inFlight: this.inFlight,
      environments: [...this.pools.values()].reduce((n, p) => n + p.size, 0),
    };
  }

  private async receive(mapping: LocalSqsMapping, max: number, waitSeconds: number): Promise<Message[]> {
    const res = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: mapping.queueUrl,
        MaxNumberOfMessages: Math.min(SQS_MAX_BATCH, max),
        WaitTimeSeconds: waitSeconds,
        // ApproximateReceiveCount and the other system attributes, as Lambda requests them.
        MessageSystemAttributeNames: ['All'],
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    if (!res.Messages?.length) this.emptyReceives++;
    return res.Messages ?? [];
  }

  /** One batch: the first message by long poll, then more until the batch is full or the window closes. */
  private async gather(mapping: LocalSqsMapping): Promise<{ batch: Message[]; firstAt: number }> {
    const batch = await this.receive(mapping, mapping.batchSize, LONG_POLL_SECONDS);
    const firstAt = Date.now();
    if (batch.length === 0) return { batch, firstAt };
    const windowEnd = firstAt + mapping.maxBatchingWindowSeconds * 1000;
    while (batch.length < mapping.batchSize && !this.stopping) {
      const remaining = windowEnd - Date.now();
      if (remaining <= 0) break;
      // moto re-checks a long poll's deadline only once per second, so a wait of N s can last N + 1 s:
      // long-poll only while that still ends inside the window, then short-poll to its end.
      const wait = remaining >= 3000 ? Math.floor(remaining / 1000) - 1 : 0;
      const more = await this.receive(mapping, mapping.batchSize - batch.length, wait);
      for (const message of more) addOrRefresh(batch, message);
      if (more.length === 0 && wait === 0) await sleep(Math.min(remaining, WINDOW_POLL_MS));
    }
    return { batch, firstAt };
  }

  private async poll(mapping: LocalSqsMapping): Promise<void> {
    while (!this.stopping) {
      let gathered: { batch: Message[]; firstAt: number };
      try {
        gathered = await this.gather(mapping);
      } catch (err) {
        if (this.stopping) break;
        this.recordError(mapping.function, `ReceiveMessage failed: ${(err as Error).message}`);
        await sleep(ERROR_BACKOFF_MS);
        continue;
      }
      if (gathered.batch.length === 0) continue;
      if (this.stopping) {
        await this.release(mapping, gathered.batch);
        break;
      }
      await this.process(mapping, gathered.batch, gathered.firstAt);
    }
  }

  /** Makes gathered but unprocessed messages visible again at once, instead of after the visibility timeout. */
  private async release(mapping: LocalSqsMapping, batch: Message[]): Promise<void> {
    for (let i = 0; i < batch.length; i += SQS_MAX_BATCH) {
      const chunk = batch.slice(i, i + SQS_MAX_BATCH);
      await this.sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: mapping.queueUrl,
            Entries: chunk.map((m, n) => ({
              Id: String(n),
              ReceiptHandle: m.ReceiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        )
        .catch(() => undefined);
    }
  }

  /**
   * Invokes `fn` synchronously (RequestResponse), as API Gateway does, in the same execution environments
   * its queue pollers use (one pool per function, as on Lambda). Counts in the function's stats.
   */
  async invokeFunction(
    fn: LocalFunction,
    event: unknown,
  ): Promise<Invocation & { readonly requestId: string }> {
    if (this.stopping) throw new RunnerError('the runner is stopping');
    const requestId = randomUUID();
    this.inFlight++;
    let invocation: Invocation;
    try {
      invocation = await this.invoke(fn, event, requestId);
    } finally {
      this.inFlight--;
    }
    const stats = this.statsByFunction.get(fn.functionName) ?? newStats(fn);
    const { result } = invocation;
    stats.invocations++;
    if (invocation.coldStart) stats.coldStarts++;
    if (result.kind === 'error') stats.functionErrors++;
    if (result.kind === 'crash') stats.crashes++;
    if (result.kind === 'timeout') stats.timeouts++;
    if (result.kind !== 'ok') stats.lastError = `${result.error.errorType}: ${result.error.errorMessage}`;
    stats.totalDurationMs += invocation.durationMs;
    stats.maxDurationMs = Math.max(stats.maxDurationMs, invocation.durationMs);
    stats.totalInitMs += invocation.initMs ?? 0;
    return { ...invocation, requestId };
  }

  private recordError(fn: LocalFunction, message: string): void {
    const s = this.statsByFunction.get(fn.functionName);
    if (s) s.lastError = message;
  }

  private async invoke(fn: LocalFunction, event: unknown, requestId: string): Promise<Invocation> {
    const pool = this.poolFor(fn);
    const env = pool.acquire();
    const coldStart = env.invocations === 0;
    let initMs: number | undefined;
    try {
      if (coldStart) initMs = await env.init();
    } catch (err) {
      pool.discard(env);
      const error = (err as { workerError?: WorkerError }).workerError ?? {
        errorType: 'Runtime.InitError',
        errorMessage: (err as Error).message,
      };
      return { result: { kind: 'error', error }, coldStart, initMs, durationMs: 0 };
    }
    const start = Date.now();
    const result = await env.invoke(event, requestId);
    const durationMs = Date.now() - start;
    if (result.kind === 'timeout' || result.kind === 'crash') pool.discard(env);
    else pool.release(env);
    return { result, coldStart, initMs, durationMs };
  }

  private async process(mapping: LocalSqsMapping, batch: Message[], firstAt: number): Promise<void> {
    const fn = mapping.function;
    const stats = this.statsByFunction.get(fn.functionName) ?? newStats(fn);
    const records = batch.map((m) => toSqsRecord(m, mapping.queueArn, this.options.emulator.region));
    const ids = records.map((r) => r.messageId);
    const requestId = randomUUID();
    this.inFlight++;
    const batchingMs = Date.now() - firstAt;
    let outcome: BatchOutcome;
    let reportError: InvocationReport['error'];
    let invocation: Invocation;
    try {
      invocation = await this.invoke(fn, { Records: records }, requestId);
    } finally {
      this.inFlight--;
    }
    const { result } = invocation;
    if (result.kind === 'ok') {
      let response: unknown;
      try {
        response = JSON.parse(result.payload);
        outcome = interpretBatchResponse(response, ids, mapping.reportBatchItemFailures);
      } catch {
        outcome = { kind: 'batch-failed', reason: 'malformed batch response: not JSON' };
      }
      if (outcome.kind === 'batch-failed') stats.malformedResponses++;
    } else {
      outcome = { kind: 'batch-failed', reason: `${result.error.errorType}: ${result.error.errorMessage}` };
      reportError = { ...result.error, kind: result.kind };
      if (result.kind === 'error') stats.functionErrors++;
      if (result.kind === 'crash') stats.crashes++;
      if (result.kind === 'timeout') stats.timeouts++;
    }

    const toDelete = new Set(messagesToDelete(outcome, ids));
    const doomed = batch.filter((m) => m.MessageId && toDelete.has(m.MessageId));
    let deleted = 0;
    let deleteFailures = 0;
    for (let i = 0; i < doomed.length; i += SQS_MAX_BATCH) {
      const chunk = doomed.slice(i, i + SQS_MAX_BATCH);
      try {
        const res = await this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: mapping.queueUrl,
            Entries: chunk.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
        deleted += res.Successful?.length ?? 0;
        deleteFailures += res.Failed?.length ?? 0;
      } catch {
        // The messages stay and come back after the visibility timeout: at-least-once, as on AWS.
        deleteFailures += chunk.length;
      }
    }

    stats.invocations++;
    if (invocation.coldStart) stats.coldStarts++;
    stats.recordsReceived += records.length;
    stats.recordsDeleted += deleted;
    stats.deleteFailures += deleteFailures;
    if (outcome.kind === 'partial') stats.recordsReportedFailed += outcome.failedIds.length;
    if (outcome.kind === 'batch-failed') {
      stats.batchFailures++;
      const logs = this.recentLogs.get(fn.functionName) ?? [];
      stats.lastError = `${outcome.reason}${logs.length > 0 ? `\n    last log line: ${logs[logs.length - 1]}` : ''}`;
    }
    stats.totalDurationMs += invocation.durationMs;
    stats.maxDurationMs = Math.max(stats.maxDurationMs, invocation.durationMs);
    stats.totalInitMs += invocation.initMs ?? 0;

    this.options.onInvocation?.({
      functionName: fn.functionName,
      shortName: fn.shortName,
      requestId,
      messageIds: ids,
      receiveCounts: records.map((r) => Number(r.attributes.ApproximateReceiveCount)),
      bodies: records.map((r) => r.body),
      outcome,
      error: reportError,
      coldStart: invocation.coldStart,
      initMs: invocation.initMs,
      durationMs: invocation.durationMs,
      batchingMs,
      deleted,
      deleteFailures,
    });
  }
}

/**
 * Adds a received message to the batch being gathered. A message can come back while the batch is
 * still open (its visibility timeout ran out under load, or the emulator hands it out twice); Lambda
 * never puts one message twice in a batch, and only the newest receipt handle can delete it.
 */
function addOrRefresh(batch: Message[], message: Message): void {
  const index = batch.findIndex((m) => m.MessageId === message.MessageId);
  if (index === -1) batch.push(message);
  else batch[index] = message;
}
