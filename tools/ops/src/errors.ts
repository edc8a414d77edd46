/**
 * Errors the ops CLI shows as one line, without a stack trace. A UsageError is the operator's to fix
 * (an argument, a name, a time) and exits 2; an OpsError is a failed operation and exits 1.
 */

export class OpsError extends Error {
  override readonly name: string = 'OpsError';
  readonly exitCode: number = 1;
}

export class UsageError extends OpsError {
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

export class InvalidTimeError extends UsageError {
  override readonly name = 'InvalidTimeError';
}

/** One line for any error an AWS SDK call threw, with its service error code when it has one. */
export function describeError(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (err instanceof OpsError) return err.message;
  const status = e.$metadata?.httpStatusCode;
  const message = (e.message ?? String(err)).split('\n')[0] ?? '';
  return `${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${message}`;
}
