import type { InvocationReport } from '@order-pipeline/local-cloud/lambda-runner';
import { orderIdOfEvent, parseEventBody } from '@order-pipeline/pipeline-client/messages';

/**
 * What one phase of the benchmark measured from the local Lambda runner: invocations, billed time and
 * the records of every function, split between the orders the records belonged to, plus what reached
 * the bus. Pure bookkeeping: the runner calls `record` after each invocation and `log` for each line,
 * the local HTTP API `recordRequest` for each request; the AWS calls come afterwards from the emulator's
 * count per caller (`addFunctionCalls`).
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
  /** The part of `billedDurationMs` that was cold starts' init, each rounded up to 1 ms. */
  initBilledMs: number;
  totalDurationMs: number;
  records: number;
  /** Records the function reported failed, or whose whole batch failed: each is delivered again. */
  failedRecords: number;
  /** Invocations by the HTTP API, not by a queue: they carry no records. */
  httpRequests: number;
}

/** A function before its first invocation: every count zero. */
export function unusedFunction(name: string): FunctionUsage {
  return {
    name,
    invocations: 0,
    coldStarts: 0,
    billedDurationMs: 0,
    initBilledMs: 0,
    totalDurationMs: 0,
    records: 0,
    failedRecords: 0,
    httpRequests: 0,
  };
}

/** The `Service.Operation` under which a rule's delivery to a queue is counted (billed as an SQS request). */
export const DELIVERY_OPERATION = 'SQS.SendMessage';

const RECEIVE = 'SQS.ReceiveMessage';

/**
 * What the ledger reads of a record, through pipeline-client's parser of the EventBridge envelope. It
 * never throws: a record whose body is not an event is still counted, as a record, a delivery and a
 * whole bus entry, under no order (which the categories count as a failure).
 */
function recordFacts(body: string): { readonly orderId?: string; readonly detailType?: string } {
  const { event } = parseEventBody(body);
  return { orderId: orderIdOfEvent(event), detailType: event?.['detail-type'] };
}

/** The order a record is about; undefined if its body is not an EventBridge event naming one. */
export function orderIdOf(body: string): string | undefined {
  return recordFacts(body).orderId;
}

/** One synchronous invocation, as API Gateway makes it (the runner's `invokeFunction`). */
export interface RequestInvocation {
  readonly coldStart: boolean;
  readonly initMs?: number;
  readonly durationMs: number;
}

/** Counts by the order they are about (undefined: unreadable). */
type ByOrder = Map<string | undefined, number>;

function countOrder(counts: ByOrder, orderId: string | undefined): void {
  counts.set(orderId, (counts.get(orderId) ?? 0) + 1);
}

/**
 * Orders are put into categories only when the figures are read, after the phase: an order placed
 * through the API gets its id when the API answers, which can be after its first event was handled.
 */
export class PhaseLedger {
  readonly functions = new Map<string, FunctionUsage>();
  /** Records (and API requests) each function received, deliveries and redeliveries alike, by order. */
  private readonly records = new Map<string, ByOrder>();
  /** Calls booked with a category: shares of the emulator's counts, the producer's calls. */
  private readonly booked: Record<CallCategory, Record<string, number>> = { happyPath: {}, failures: {} };
  /** Distinct messages delivered by a rule, by order. */
  private readonly deliveries: ByOrder = new Map();
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
  /** Requests the HTTP API served (`recordRequest`), each invoking one function. */
  httpApiRequests = 0;

  constructor(
    private readonly categoryOf: (orderId: string | undefined) => CallCategory,
    private readonly deliveriesPerEntry: (detailType: string) => number,
  ) {}

  record(report: InvocationReport): void {
    const usage = this.invoked(report.shortName, report);
    usage.records += report.messageIds.length;
    if (report.outcome.kind === 'partial') usage.failedRecords += report.outcome.failedIds.length;
    if (report.outcome.kind === 'batch-failed') usage.failedRecords += report.messageIds.length;

    const facts = report.bodies.map(recordFacts);
    const orderIds = facts.map((f) => f.orderId);
    const records = this.recordsOf(report.shortName);
    for (const orderId of orderIds) countOrder(records, orderId);
    const seen = this.seenBy(report.shortName);
    report.messageIds.forEach((id, i) => {
      if (seen.has(id)) return;
      seen.add(id);
      countOrder(this.deliveries, orderIds[i]);
      const body = report.bodies[i] ?? '';
      const detailType = facts[i]?.detailType;
      // A message whose detail type cannot be read still came from one entry; count it whole.
      const share = 1 / Math.max(1, detailType === undefined ? 1 : this.deliveriesPerEntry(detailType));
      this.eventEntries += share;
      this.eventBytes += Buffer.byteLength(body) * share;
    });
  }

  /**
   * One HTTP API request: the invocation of `name` it made, about `orderId` (the idempotency key of a
   * `POST /orders`, the id of a `GET /orders/{orderId}`; the category function resolves either).
   */
  recordRequest(name: string, invocation: RequestInvocation, orderId: string | undefined): void {
    this.invoked(name, invocation).httpRequests++;
    countOrder(this.recordsOf(name), orderId);
    this.httpApiRequests++;
  }

  /** Calls of the functions plus deliveries, split by category (shares of a batch, so fractional). */
  get calls(): Record<CallCategory, Record<string, number>> {
    const calls = { happyPath: { ...this.booked.happyPath }, failures: { ...this.booked.failures } };
    for (const [category, n] of Object.entries(this.categorised(this.deliveries))) {
      if (n > 0) addCallCounts(calls[category as CallCategory], { [DELIVERY_OPERATION]: n });
    }
    return calls;
  }

  /**
   * Shares the calls the emulator served one function between the categories in proportion to the
   * records of each it received: a redelivered record weighs once per delivery, as its calls were made
   * again. The emulator counts per caller, not per invocation, so this is the finest split it allows.
   */
  addFunctionCalls(name: string, calls: CallCounts): void {
    this.share(calls, this.categorised(this.recordsOf(name)));
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
    this.share({ ...all, [RECEIVE]: (all[RECEIVE] ?? 0) - emptyReceives }, this.categorised(this.deliveries));
  }

  /** Adds `calls` to the categories in proportion to `weights`. */
  private share(calls: CallCounts, weights: Readonly<Record<CallCategory, number>>): void {
    const total = weights.happyPath + weights.failures || 1;
    for (const category of ['happyPath', 'failures'] as const) {
      for (const [operation, n] of Object.entries(calls)) {
        this.booked[category][operation] =
          (this.booked[category][operation] ?? 0) + (n * weights[category]) / total;
      }
    }
  }

  /** Calls made outside the functions on behalf of orders of one category (e.g. the producer's PutEvents). */
  addCalls(category: CallCategory, calls: CallCounts): void {
    addCallCounts(this.booked[category], calls);
  }

  /** Bytes each function logged, by short name (the part of `logBytes` the runner could attribute). */
  readonly logBytesByFunction = new Map<string, number>();

  log(line: string, functionName?: string): void {
    const bytes = Buffer.byteLength(line) + 1;
    this.logBytes += bytes;
    if (functionName !== undefined) {
      this.logBytesByFunction.set(functionName, (this.logBytesByFunction.get(functionName) ?? 0) + bytes);
    }
    if (line.includes('"fault injection"')) this.injectedFaults++;
  }

  /** The functions the HTTP API invoked: the front door (bench/cost-scope.ts). */
  frontDoorFunctions(): Set<string> {
    return new Set([...this.functions.values()].filter((f) => f.httpRequests > 0).map((f) => f.name));
  }

  invocations(): number {
    return [...this.functions.values()].reduce((n, f) => n + f.invocations, 0);
  }

  private categorised(counts: ByOrder): Record<CallCategory, number> {
    const byCategory = { happyPath: 0, failures: 0 };
    for (const [orderId, n] of counts) byCategory[this.categoryOf(orderId)] += n;
    return byCategory;
  }

  /** Books one invocation of `name`: its count, cold start and billed time. */
  private invoked(name: string, invocation: RequestInvocation): FunctionUsage {
    const usage = this.usage(name);
    usage.invocations++;
    if (invocation.coldStart) usage.coldStarts++;
    const initMs = Math.ceil(invocation.initMs ?? 0);
    usage.initBilledMs += initMs;
    usage.billedDurationMs += initMs + Math.max(1, Math.ceil(invocation.durationMs));
    usage.totalDurationMs += invocation.durationMs;
    return usage;
  }

  private usage(name: string): FunctionUsage {
    let usage = this.functions.get(name);
    if (!usage) {
      usage = unusedFunction(name);
      this.functions.set(name, usage);
    }
    return usage;
  }

  private recordsOf(name: string): ByOrder {
    let records = this.records.get(name);
    if (!records) {
      records = new Map();
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
