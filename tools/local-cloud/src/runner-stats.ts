import type { Invocation } from './environment-pool';
import type { InvokeResult } from './execution-environment';
import type { LocalFunction } from './lambda-discovery';
import type { WorkerError } from './lambda-protocol';
import type { BatchOutcome } from './sqs-batch';

/** What the local runner reports per invocation and counts per function. */

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

export function newStats(fn: LocalFunction): FunctionStats {
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

/** Counts one invocation and its timings, whether a queue poller or a synchronous caller made it. */
export function countInvocation(stats: FunctionStats, invocation: Invocation): void {
  stats.invocations++;
  if (invocation.coldStart) stats.coldStarts++;
  stats.totalDurationMs += invocation.durationMs;
  stats.maxDurationMs = Math.max(stats.maxDurationMs, invocation.durationMs);
  stats.totalInitMs += invocation.initMs ?? 0;
}

/** Counts an invocation that ended with an error, a crash or a timeout. */
export function countFailure(stats: FunctionStats, result: InvokeResult): void {
  if (result.kind === 'error') stats.functionErrors++;
  if (result.kind === 'crash') stats.crashes++;
  if (result.kind === 'timeout') stats.timeouts++;
}
