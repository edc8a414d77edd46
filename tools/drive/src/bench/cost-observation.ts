import type { CostInputs, FunctionUsage } from './cost-inputs';

/**
 * What an order costs at the front door, apart from how the benchmark watches it. A client places an
 * order (`POST /orders`) and may read it once (`GET /orders/{orderId}`); the benchmark reads every order
 * again and again until it is final, to time it. Those extra reads are the benchmark's observation:
 * priced and reported beside the cost per order (`observation`), not hidden and not part of it.
 *
 * An extra read costs what an average read of the run cost: its HTTP API request, its share of the
 * reading function's invocations, billed time, log bytes and traces, and one read unit on the orders
 * table (a strongly consistent GetItem of an item under 4 KB).
 */

/** Reads per order a client is assumed to make: one, after placing it. */
export const CLIENT_READS_PER_ORDER = 1;

export interface ReaderUsage {
  /** The function behind `GET /orders/{orderId}`, as `inputs.functions` names it. */
  readonly name: string;
  /** GET requests it served in the run. */
  readonly requests: number;
  /** Bytes it logged in the run. */
  readonly logBytes: number;
  /** The table each read reads one unit of. */
  readonly table: string;
}

export interface ObservationSplit {
  /** The inputs of the orders themselves: every read beyond CLIENT_READS_PER_ORDER taken out. */
  readonly orders: CostInputs;
  /** Reads the benchmark made beyond a client's, per order. */
  readonly extraReadsPerOrder: number;
}

export function withoutObservation(
  inputs: CostInputs,
  reader: ReaderUsage,
  tracingSampleRate: number,
): ObservationSplit {
  const extra = Math.max(0, reader.requests - CLIENT_READS_PER_ORDER * inputs.orders);
  if (extra === 0) return { orders: inputs, extraReadsPerOrder: 0 };
  const share = extra / reader.requests;
  let removedInvocations = 0;
  const functions = inputs.functions.map((fn): FunctionUsage => {
    if (fn.name !== reader.name) return fn;
    const invocations = Math.round(fn.invocations * (1 - share));
    removedInvocations = fn.invocations - invocations;
    const billed = Math.round(fn.billedDurationMs * (1 - share));
    return { ...fn, invocations, billedDurationMs: Math.max(invocations, billed) };
  });
  const table = inputs.dynamoDb[reader.table];
  return {
    orders: {
      ...inputs,
      functions,
      ...(inputs.httpApiRequests === undefined
        ? {}
        : { httpApiRequests: Math.max(0, inputs.httpApiRequests - extra) }),
      dynamoDb:
        table === undefined
          ? inputs.dynamoDb
          : {
              ...inputs.dynamoDb,
              [reader.table]: { ...table, readUnits: Math.max(0, table.readUnits - extra) },
            },
      logBytes: Math.max(0, inputs.logBytes - reader.logBytes * share),
      ...(inputs.tracedInvocations === undefined
        ? {}
        : {
            tracedInvocations: Math.max(0, inputs.tracedInvocations - removedInvocations * tracingSampleRate),
          }),
    },
    extraReadsPerOrder: extra / inputs.orders,
  };
}
