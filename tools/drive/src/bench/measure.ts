import type { InvocationReport } from '@order-pipeline/local-cloud/lambda-runner';

/**
 * What one phase of the benchmark measured from the local Lambda runner: invocations, billed time and
 * the records of every function, split between the orders the records belonged to, plus what reached
 * the bus. Pure bookkeeping: the runner calls `record` after each invocation and `log` for each line;
 * the AWS calls come afterwards from the emulator's count per caller (`addFunctionCalls`).
 */

/** API requests by `Service.Operation` (`DynamoDB.UpdateItem`), as the emulator served them. */
export type CallCounts = Readonly<Record<string, number>>;

/** Adds `b` into `a` (both by operation). */
export function addCallCounts(a: Record<string, number>, b: CallCounts): Record<string, number> {
  for (const [operation, n] of Object.entries(b)) a[operation] = (a[operation] ?? 0) + n;
  return a;
}

/** Which side of the split an order's records count on. */
export type CallCategory = 'happyPath' | 'failures';

export interface FunctionUsage {
  readonly name: string;
  invocations: number;
  coldStarts: number;
  /** Sum over invocations of init (cold starts) plus duration, each rounded up to 1 ms, as Lambda bills. */
  billedDurationMs: number;
  totalDurationMs: number;
  records: number;
  /** Records the function reported failed, or whose whole batch failed: each is delivered again. */
  failedRecords: number;
}

/** The `Service.Operation` under which a rule's delivery to a queue is counted (billed as an SQS request). */
export const DELIVERY_OPERATION = 'SQS.SendMessage';

const RECEIVE = 'SQS.ReceiveMessage';

interface EventEnvelope {
  readonly 'detail-type'?: unknown;
  readonly detail?: {
    readonly data?: { readonly orderId?: unknown };
    readonly metadata?: { readonly correlationId?: unknown };
  };
}

function envelopeOf(body: string): EventEnvelope | undefined {
  try {
    const event: unknown = JSON.parse(body);
    return typeof event === 'object' && event !== null ? (event as EventEnvelope) : undefined;
  } catch {
    return undefined;
  }
}

/** The order a record is about: its detail's orderId, else its correlation id; undefined if unreadable. */
export function orderIdOf(body: string): string | undefined {
  const event = envelopeOf(body);
  const id = event?.detail?.data?.orderId ?? event?.detail?.metadata?.correlationId;
  return typeof id === 'string' ? id : undefined;
}

/** The detail type of a record's event; undefined if unreadable. */
export function detailTypeOf(body: string): string | undefined {
  const detailType = envelopeOf(body)?.['detail-type'];
  return typeof detailType === 'string' ? detailType : undefined;
}

export class PhaseLedger {
  readonly functions = new Map<string, FunctionUsage>();
  /** Calls of the functions plus deliveries, split by category (shares of a batch, so fractional). */
  readonly calls: Record<CallCategory, Record<string, number>> = { happyPath: {}, failures: {} };
  /** Records each function received, deliveries and redeliveries alike, by category. */
  private readonly records = new Map<string, Record<CallCategory, number>>();
  logBytes = 0;
  /** Deliveries whose handler hit an injected fault ("fault injection" log lines). */
  injectedFaults = 0;
  /** Distinct messages seen, by function: each was one delivery by a rule. */
  private readonly seen = new Map<string, Set<string>>();
  /**
   * Entries put on the bus and their bytes, from the distinct messages the rules delivered: a message of
   * a detail type that D rules' targets receive is 1 / D entry (bench/minimum.ts `deliveriesPerEntry`).
   */
  eventEntries = 0;
  eventBytes = 0;

  constructor(
    private readonly categoryOf: (orderId: string | undefined) => CallCategory,
    private readonly deliveriesPerEntry: (detailType: string) => number,
  ) {}

  record(report: InvocationReport): void {
    const usage = this.usage(report.shortName);
    usage.invocations++;
    if (report.coldStart) usage.coldStarts++;
    usage.billedDurationMs += Math.ceil(report.initMs ?? 0) + Math.max(1, Math.ceil(report.durationMs));
    usage.totalDurationMs += report.durationMs;
    usage.records += report.messageIds.length;
    if (report.outcome.kind === 'partial') usage.failedRecords += report.outcome.failedIds.length;
    if (report.outcome.kind === 'batch-failed') usage.failedRecords += report.messageIds.length;

    const categories = report.bodies.map((b) => this.categoryOf(orderIdOf(b)));
    const records = this.recordsOf(report.shortName);
    for (const category of categories) records[category]++;
    const seen = this.seenBy(report.shortName);
    report.messageIds.forEach((id, i) => {
      if (seen.has(id)) return;
      seen.add(id);
      const category = categories[i] ?? 'failures';
      this.calls[category][DELIVERY_OPERATION] = (this.calls[category][DELIVERY_OPERATION] ?? 0) + 1;
      const body = report.bodies[i] ?? '';
      const detailType = detailTypeOf(body);
      // A message whose detail type cannot be read still came from one entry; count it whole.
      const share = 1 / Math.max(1, detailType === undefined ? 1 : this.deliveriesPerEntry(detailType));
      this.eventEntries += share;
      this.eventBytes += Buffer.byteLength(body) * share;
    });
  }

  /**
   * Shares the calls the emulator served one function between the categories in proportion to the
   * records of each it received: a redelivered record weighs once per delivery, as its calls were made
   * again. The emulator counts per caller, not per invocation, so this is the finest split it allows.
   */
  addFunctionCalls(name: string, calls: CallCounts): void {
    this.share(calls, this.recordsOf(name));
  }

  /**
   * Receives that returned nothing. They depend on how long the pollers wait idle (here 2 s long polls,
   * 20 s on AWS, plus short polls while a batching window is open), not on the orders: reported apart,
   * and on AWS a fixed monthly cost (docs/capacity.md).
   */
  emptyReceives = 0;

  /**
   * Shares the runner's own requests (the Lambda service's receives and deletes) between the categories
   * in proportion to the records each had; empty receives are kept apart.
   */
  addPollerCalls(all: CallCounts, emptyReceives: number): void {
    this.emptyReceives += emptyReceives;
    this.share(
      { ...all, [RECEIVE]: (all[RECEIVE] ?? 0) - emptyReceives },
      {
        happyPath: this.calls.happyPath[DELIVERY_OPERATION] ?? 0,
        failures: this.calls.failures[DELIVERY_OPERATION] ?? 0,
      },
    );
  }

  /** Adds `calls` to the categories in proportion to `weights`. */
  private share(calls: CallCounts, weights: Readonly<Record<CallCategory, number>>): void {
    const total = weights.happyPath + weights.failures || 1;
    for (const category of ['happyPath', 'failures'] as const) {
      for (const [operation, n] of Object.entries(calls)) {
        this.calls[category][operation] =
          (this.calls[category][operation] ?? 0) + (n * weights[category]) / total;
      }
    }
  }

  /** Calls made outside the functions on behalf of orders of one category (e.g. the producer's PutEvents). */
  addCalls(category: CallCategory, calls: CallCounts): void {
    addCallCounts(this.calls[category], calls);
  }

  log(line: string): void {
    this.logBytes += Buffer.byteLength(line) + 1;
    if (line.includes('"fault injection"')) this.injectedFaults++;
  }

  invocations(): number {
    return [...this.functions.values()].reduce((n, f) => n + f.invocations, 0);
  }

  private usage(name: string): FunctionUsage {
    let usage = this.functions.get(name);
    if (!usage) {
      usage = {
        name,
        invocations: 0,
        coldStarts: 0,
        billedDurationMs: 0,
        totalDurationMs: 0,
        records: 0,
        failedRecords: 0,
      };
      this.functions.set(name, usage);
    }
    return usage;
  }

  private recordsOf(name: string): Record<CallCategory, number> {
    let records = this.records.get(name);
    if (!records) {
      records = { happyPath: 0, failures: 0 };
      this.records.set(name, records);
    }
    return records;
  }

  private seenBy(name: string): Set<string> {
    let seen = this.seen.get(name);
    if (!seen) {
      seen = new Set();
      this.seen.set(name, seen);
    }
    return seen;
  }
}

/** Calls per order: each count divided by `orders`, with the total. */
export function perOrder(
  calls: Readonly<Record<string, number>>,
  orders: number,
): { total: number; byOperation: Record<string, number> } {
  const byOperation: Record<string, number> = {};
  let total = 0;
  for (const [operation, n] of Object.entries(calls).sort(([a], [b]) => a.localeCompare(b))) {
    byOperation[operation] = n / Math.max(1, orders);
    total += n;
  }
  return { total: total / Math.max(1, orders), byOperation };
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function latencySummary(values: readonly number[]): {
  p50: number;
  p95: number;
  p99: number;
  max: number;
} {
  return {
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: percentile(values, 100),
  };
}
