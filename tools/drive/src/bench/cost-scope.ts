import type { CostInputs, TableUsage } from './cost-inputs';

/**
 * The cost of the pipeline behind the bus: an order's cost without its front door, the scope in which
 * the benchmark priced orders before the HTTP API existed (its driver put OrderPlaced on the bus), so a
 * figure from then compares with this one. Out go the HTTP API requests and the functions the API
 * invokes: their invocations, billed time, log lines and traces, and the table units they consume, except
 * the write that stores the order, which the pipeline needs whoever places it. The events stay: the
 * OrderPlaced entry is on the bus either way.
 */

export interface FrontDoor {
  /** The functions the HTTP API invokes, as `inputs.functions` names them. */
  readonly functions: ReadonlySet<string>;
  /** Bytes those functions logged in the run. */
  readonly logBytes: number;
  /** Units the functions behind the bus consumed by table, plus the front door's write of the order. */
  readonly dynamoDbBehindTheBus: Readonly<Record<string, TableUsage>>;
}

export function behindTheBus(
  inputs: CostInputs,
  frontDoor: FrontDoor,
  tracingSampleRate: number,
): CostInputs {
  const removed = inputs.functions.filter((fn) => frontDoor.functions.has(fn.name));
  const removedInvocations = removed.reduce((n, fn) => n + fn.invocations, 0);
  const { httpApiRequests: _api, ...rest } = inputs;
  return {
    ...rest,
    functions: inputs.functions.filter((fn) => !frontDoor.functions.has(fn.name)),
    dynamoDb: { ...frontDoor.dynamoDbBehindTheBus },
    logBytes: Math.max(0, inputs.logBytes - frontDoor.logBytes),
    ...(inputs.tracedInvocations === undefined
      ? {}
      : {
          tracedInvocations: Math.max(0, inputs.tracedInvocations - removedInvocations * tracingSampleRate),
        }),
  };
}

/**
 * The table units behind the bus, from the emulator's rows per caller: every row of a function behind
 * the bus, and of the front door only the order's write (its writes on the orders table, not its reads).
 */
export function capacityBehindTheBus<R extends { readonly table: string; readonly readUnits: number }>(
  rows: readonly R[],
  frontDoorOf: (row: R) => string | undefined,
  orderWrite: { readonly writer: string; readonly table: string | undefined },
): R[] {
  return rows.flatMap((row) => {
    const frontDoor = frontDoorOf(row);
    if (frontDoor === undefined) return [row];
    return frontDoor === orderWrite.writer && row.table === orderWrite.table
      ? [{ ...row, readUnits: 0 }]
      : [];
  });
}
