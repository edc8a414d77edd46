/**
 * Errors a caller can show as one line, without a stack trace. A UsageError is the caller's to fix (an
 * argument, a queue name) and a command line exits 2 on it; a PipelineClientError is a failed operation
 * (exit 1).
 */

export class PipelineClientError extends Error {
  override readonly name: string = 'PipelineClientError';
  readonly exitCode: number = 1;
}

export class UsageError extends PipelineClientError {
  override readonly name: string = 'UsageError';
  override readonly exitCode: number = 2;
}

export class UnknownQueueError extends UsageError {
  override readonly name = 'UnknownQueueError';
  constructor(
    readonly queue: string,
    readonly known: readonly string[],
    stage: string,
  ) {
    super(`unknown queue "${queue}" in stage ${stage}. Known dead-letter queues: ${known.join(', ')}`);
  }
}

/** One line for any error an AWS SDK call threw, with its service error code when it has one. */
export function describeError(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (err instanceof PipelineClientError) return err.message;
  const status = e.$metadata?.httpStatusCode;
  const message = (e.message ?? String(err)).split('\n')[0] ?? '';
  return `${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${message}`;
}
