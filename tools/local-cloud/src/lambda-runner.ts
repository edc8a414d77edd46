import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { type Message, SQSClient } from '@aws-sdk/client-sqs';
import type { Deployment } from './deploy';
import type { Emulator } from './emulator';
import { EnvironmentPool, type Invocation, invokeInPool } from './environment-pool';
import { discoverSqsMappings, type LocalFunction, type LocalSqsMapping } from './lambda-discovery';
import { lambdaNodeFor } from './lambda-node';
import { principalEnvironment } from './principals';
import { RunnerError } from './runner-error';
import {
  countFailure,
  countInvocation,
  type FunctionStats,
  type InvocationReport,
  newStats,
  type RunnerStats,
} from './runner-stats';
import { type BatchOutcome, interpretBatchResponse, messagesToDelete, toSqsRecord } from './sqs-batch';
import { deleteMessages, type GatheredBatch, gatherBatch, releaseMessages, sleep } from './sqs-polling';

export type { Invocation } from './environment-pool';
export {
  assetDirectories,
  describeLocalFunction,
  discoverSqsMappings,
  type LocalFunction,
  type LocalSqsMapping,
} from './lambda-discovery';
export { RunnerError } from './runner-error';
export type { FunctionStats, InvocationReport, RunnerStats } from './runner-stats';

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
 * The SDK app id (User-Agent `app/<id>`) of the runner's own requests, the Lambda service's part; each
 * execution environment gets its function's short name, so the emulator can tell who sent what.
 */
export const RUNNER_APP_ID = 'lambda-runner';

/** After an emulator error, before the poller tries again (Lambda backs off too). */
const ERROR_BACKOFF_MS = 1_000;

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

  private async poll(mapping: LocalSqsMapping): Promise<void> {
    const control = {
      isStopping: () => this.stopping,
      onEmptyReceive: () => {
        this.emptyReceives++;
      },
    };
    while (!this.stopping) {
      let gathered: GatheredBatch;
      try {
        gathered = await gatherBatch(this.sqs, mapping, control);
      } catch (err) {
        if (this.stopping) break;
        this.recordError(mapping.function, `ReceiveMessage failed: ${(err as Error).message}`);
        await sleep(ERROR_BACKOFF_MS);
        continue;
      }
      if (gathered.batch.length === 0) continue;
      if (this.stopping) {
        await releaseMessages(this.sqs, mapping.queueUrl, gathered.batch);
        break;
      }
      await this.process(mapping, gathered.batch, gathered.firstAt);
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
      invocation = await invokeInPool(this.poolFor(fn), event, requestId);
    } finally {
      this.inFlight--;
    }
    const stats = this.statsByFunction.get(fn.functionName) ?? newStats(fn);
    const { result } = invocation;
    countInvocation(stats, invocation);
    countFailure(stats, result);
    if (result.kind !== 'ok') stats.lastError = `${result.error.errorType}: ${result.error.errorMessage}`;
    return { ...invocation, requestId };
  }

  private recordError(fn: LocalFunction, message: string): void {
    const s = this.statsByFunction.get(fn.functionName);
    if (s) s.lastError = message;
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
      invocation = await invokeInPool(this.poolFor(fn), { Records: records }, requestId);
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
      countFailure(stats, result);
    }

    const toDelete = new Set(messagesToDelete(outcome, ids));
    const doomed = batch.filter((m) => m.MessageId && toDelete.has(m.MessageId));
    const { deleted, deleteFailures } = await deleteMessages(this.sqs, mapping.queueUrl, doomed);

    countInvocation(stats, invocation);
    stats.recordsReceived += records.length;
    stats.recordsDeleted += deleted;
    stats.deleteFailures += deleteFailures;
    if (outcome.kind === 'partial') stats.recordsReportedFailed += outcome.failedIds.length;
    if (outcome.kind === 'batch-failed') {
      stats.batchFailures++;
      const logs = this.recentLogs.get(fn.functionName) ?? [];
      stats.lastError = `${outcome.reason}${logs.length > 0 ? `\n    last log line: ${logs[logs.length - 1]}` : ''}`;
    }

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
