import type { FinalizeRequestMiddleware, MiddlewareStack } from '@smithy/types';

/**
 * Counts the AWS API requests an SDK v3 client sends, by `Service.Operation` (e.g. `DynamoDB.UpdateItem`),
 * one per HTTP attempt, so a retried call counts as many times as the service sees it. The benchmark
 * (`npm run bench`) reads these counts to report API calls per order and checks them against the
 * requests the emulator served.
 *
 * Written by hand because no library counts SDK v3 requests: it is one middleware of a few lines. The
 * cost is a map increment per request.
 */

/**
 * Where a function's counter lives: a process-wide registry key, so the local Lambda runner's
 * execution environment can read what the bundle counted without the bundle knowing about it.
 */
export const AWS_CALLS_GLOBAL_KEY = Symbol.for('order-pipeline.aws-calls');

/** `X-Amz-Target` prefixes of the JSON-protocol services this project calls, by service name. */
const TARGET_PREFIX_SERVICE: Readonly<Record<string, string>> = {
  DynamoDB_20120810: 'DynamoDB',
  AWSEvents: 'EventBridge',
  AmazonSQS: 'SQS',
};

export type AwsCallCounts = Readonly<Record<string, number>>;

/** The parts of an SDK request and its handler context the counter reads. */
export interface CountedRequest {
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
}
export interface CountedContext {
  readonly clientName?: string;
  readonly commandName?: string;
}

/**
 * `Service.Operation` of a request: from its `X-Amz-Target` header (JSON protocol), else its `Action`
 * (query protocol), else the client and command names.
 */
export function operationOf(request: CountedRequest, context: CountedContext = {}): string {
  const headers = request.headers ?? {};
  const targetHeader = Object.keys(headers).find((h) => h.toLowerCase() === 'x-amz-target');
  const target = targetHeader ? headers[targetHeader] : undefined;
  const service = (context.clientName ?? 'Unknown').replace(/(Document)?Client$/, '');
  if (target) {
    const dot = target.lastIndexOf('.');
    const prefix = target.slice(0, dot);
    return `${TARGET_PREFIX_SERVICE[prefix] ?? service}.${target.slice(dot + 1)}`;
  }
  if (typeof request.body === 'string') {
    const action = new URLSearchParams(request.body).get('Action');
    if (action) return `${service}.${action}`;
  }
  return `${service}.${(context.commandName ?? 'Unknown').replace(/Command$/, '')}`;
}

/** Any SDK v3 client: only its middleware stack is used. */
// biome-ignore lint/suspicious/noExplicitAny: the counter works for every client's input and output types.
export type CountableClient = { readonly middlewareStack: MiddlewareStack<any, any> };

export class AwsCallCounter {
  private counts = new Map<string, number>();

  /**
   * Adds the counting middleware to a client. It sits in the finalizeRequest step below the retry
   * middleware, so it runs once per attempt. Returns the client.
   */
  attach<C extends CountableClient>(client: C): C {
    client.middlewareStack.add(
      ((next, context) => async (args) => {
        this.record(operationOf(args.request as CountedRequest, context));
        return next(args);
      }) satisfies FinalizeRequestMiddleware<object, object>,
      { step: 'finalizeRequest', priority: 'low', name: 'awsCallCounter', override: true },
    );
    return client;
  }

  record(operation: string, n = 1): void {
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + n);
  }

  /** Counts so far. */
  snapshot(): AwsCallCounts {
    return Object.fromEntries(this.counts);
  }

  /** Counts so far, then starts again from zero (per invocation). */
  take(): AwsCallCounts {
    const counts = this.snapshot();
    this.counts = new Map();
    return counts;
  }
}

/** The counter of this process: the clients of lambda/adapters attach to it. */
export function processAwsCallCounter(): AwsCallCounter {
  const registry = processRegistry();
  registry[AWS_CALLS_GLOBAL_KEY] ??= new AwsCallCounter();
  return registry[AWS_CALLS_GLOBAL_KEY];
}

/**
 * What the process's counter holds (then zero again), without creating one: undefined when nothing in
 * the process counts. The local runner's execution environment reads the bundle's counts with it.
 */
export function takeProcessAwsCalls(): AwsCallCounts | undefined {
  return processRegistry()[AWS_CALLS_GLOBAL_KEY]?.take();
}

function processRegistry(): Record<symbol, AwsCallCounter | undefined> {
  return globalThis as unknown as Record<symbol, AwsCallCounter | undefined>;
}

/** Adds `b` into `a` (both by operation). */
export function addCallCounts(a: Record<string, number>, b: AwsCallCounts): Record<string, number> {
  for (const [operation, n] of Object.entries(b)) a[operation] = (a[operation] ?? 0) + n;
  return a;
}

/** The counts of `after` less those of `before` (two snapshots of one counter), without zeros. */
export function callCountsSince(after: AwsCallCounts, before: AwsCallCounts): Record<string, number> {
  const since: Record<string, number> = {};
  for (const [operation, n] of Object.entries(after)) {
    const diff = n - (before[operation] ?? 0);
    if (diff !== 0) since[operation] = diff;
  }
  return since;
}
