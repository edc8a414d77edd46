import * as z from 'zod';
import {
  type CostBreakdown,
  type FunctionUsage as CostFunction,
  type CostInputs,
  costPer1MOrders,
  type TableUsage,
} from './cost';
import { atLightLoadDurations } from './cost-durations';
import { withoutObservation } from './cost-observation';
import { behindTheBus } from './cost-scope';
import type { PhaseCpu } from './cpu';
import type { FaultReport } from './faults';
import { type CallCategory, latencySummary, type PhaseLedger, perOrder } from './measure';
import type { MinimumCalls } from './minimum';

/**
 * The benchmark's JSON result, built from the measured phases. Pure: bench/run.ts measures, this
 * computes the figures, bench/report.ts prints them.
 */

export interface CallsPerOrder {
  readonly total: number;
  readonly byOperation: Readonly<Record<string, number>>;
}

export interface PhaseFigures {
  readonly orders: number;
  readonly wallMs: number;
  readonly throughputOrdersPerSec: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
  };
  readonly apiCallsPerOrder: CallsPerOrder;
  readonly invocations: number;
  readonly coldStarts: number;
  /** ReceiveMessage requests that returned nothing: idle polling, not per order (see PhaseLedger). */
  readonly emptyReceives: number;
  /** Records per invocation, over the functions a queue invokes. */
  readonly meanBatchSize: number;
  /** Where the phase's CPU went (bench/cpu.ts): the emulator, this process, the execution environments. */
  readonly cpu: PhaseCpu | null;
}

export interface LightLoadFigures {
  readonly orders: number;
  readonly intervalMs: number;
  /** Each order's `POST /orders` to its final state. */
  readonly latencyMs: PhaseFigures['latencyMs'];
  /** Over every order the run placed, the one that warmed the functions up included. */
  readonly apiCallsPerOrder: CallsPerOrder;
  readonly invocations: number;
  readonly meanBatchSize: number;
}

export interface BenchResult {
  readonly date: string;
  readonly command: string;
  readonly machine: string;
  readonly orders: number;
  readonly throughputOrdersPerSec: number;
  readonly floorRatio: number | null;
  readonly latencyMs: PhaseFigures['latencyMs'];
  readonly apiCallsPerOrder: CallsPerOrder & {
    readonly happyPath: CallsPerOrder & { readonly orders: number };
    readonly failures: CallsPerOrder & { readonly orders: number };
  };
  readonly minimumCallsPerOrder: MinimumCalls;
  /** `POST /orders` and the `GET /orders/{orderId}` that followed each order, per order. */
  readonly httpApiRequestsPerOrder: number;
  readonly dynamoDbUnitsPerOrder:
    | (UnitsPerOrder & { readonly byTable: Readonly<Record<string, UnitsPerOrder>> })
    | null;
  readonly costPer1MOrdersUsd: {
    readonly total: number;
    readonly byService: Readonly<Record<string, number>>;
    readonly fixedMonthlyUsd: number;
    readonly priceTable: CostBreakdown['priceTable'];
    readonly lines: CostBreakdown['lines'];
    /**
     * The benchmark's own reads beyond a client's one per order (GET until final), priced apart and not
     * in `total` (bench/cost-observation.ts).
     */
    readonly observation: { readonly extraReadsPerOrder: number; readonly usd: number };
    /**
     * The same orders without their front door (bench/cost-scope.ts): what the pipeline behind the bus
     * costs, comparable with figures from before the HTTP API. Null when no function served the API.
     */
    readonly behindTheBus: {
      readonly total: number;
      readonly byService: Readonly<Record<string, number>>;
    } | null;
    /**
     * The same orders with Lambda time at the light-load phase's durations, where the emulator does not
     * queue calls (bench/cost-durations.ts): total, its Lambda part, and behind the bus. Null without
     * a light-load phase.
     */
    readonly atLightLoadDurations: {
      readonly total: number;
      readonly lambda: number;
      readonly behindTheBus: number | null;
    } | null;
  };
  readonly scaling: {
    readonly baseOrders: number;
    readonly baseWallMs: number;
    readonly orders: number;
    readonly wallMs: number;
    readonly ratio: number;
  } | null;
  readonly functions: readonly {
    readonly name: string;
    readonly invocations: number;
    readonly coldStarts: number;
    readonly recordsPerInvocation: number;
    readonly failedRecords: number;
    readonly meanDurationMs: number;
  }[];
  readonly pipeline: PhaseFigures;
  /** Orders placed one every `intervalMs` on an otherwise idle pipeline (`--light`). */
  readonly lightLoad: LightLoadFigures | null;
  readonly floor: PhaseFigures | null;
  readonly outcomePassed: boolean;
  readonly problems: readonly string[];
  readonly faults?: FaultReport;
}

export interface UnitsPerOrder {
  readonly write: number;
  readonly read: number;
}

/** What the emulator billed one caller on one table (tools/local-cloud/src/moto-server-api.ts). */
export interface TableCapacity {
  readonly table: string;
  readonly writeUnits: number;
  readonly readUnits: number;
}

/**
 * Capacity summed per table, each named by the stack output that names it (`OrdersTableName` ->
 * `orders`); a table no output names keeps its physical name.
 */
export function capacityByTable(
  rows: readonly TableCapacity[],
  stacks: readonly { readonly outputs: Readonly<Record<string, string>> }[],
): Record<string, TableUsage> {
  const names = new Map<string, string>();
  for (const { outputs } of stacks) {
    for (const [key, physical] of Object.entries(outputs)) {
      const logical = /^(.+)TableName$/.exec(key)?.[1];
      if (logical) names.set(physical, logical.charAt(0).toLowerCase() + logical.slice(1));
    }
  }
  const byTable: Record<string, TableUsage> = {};
  for (const row of rows) {
    const name = names.get(row.table) ?? row.table;
    const sum = byTable[name] ?? { writeUnits: 0, readUnits: 0 };
    byTable[name] = { writeUnits: sum.writeUnits + row.writeUnits, readUnits: sum.readUnits + row.readUnits };
  }
  return byTable;
}

export interface PhaseMeasure {
  readonly orders: number;
  readonly wallMs: number;
  readonly latenciesMs: readonly number[];
  readonly ledger: PhaseLedger;
  readonly cpu?: PhaseCpu;
}

function allCalls(ledger: PhaseLedger): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const category of ['happyPath', 'failures'] as CallCategory[]) {
    for (const [op, n] of Object.entries(ledger.calls[category])) sum[op] = (sum[op] ?? 0) + n;
  }
  return sum;
}

export function phaseFigures(phase: PhaseMeasure): PhaseFigures {
  const functions = [...phase.ledger.functions.values()];
  const invocations = functions.reduce((n, f) => n + f.invocations, 0);
  const records = functions.reduce((n, f) => n + f.records, 0);
  const batches = invocations - functions.reduce((n, f) => n + f.httpRequests, 0);
  return {
    orders: phase.orders,
    wallMs: phase.wallMs,
    throughputOrdersPerSec: phase.orders / (phase.wallMs / 1000),
    latencyMs: latencySummary(phase.latenciesMs),
    apiCallsPerOrder: perOrder(allCalls(phase.ledger), phase.orders),
    invocations,
    coldStarts: functions.reduce((n, f) => n + f.coldStarts, 0),
    emptyReceives: phase.ledger.emptyReceives,
    meanBatchSize: records / Math.max(1, batches),
    cpu: phase.cpu ?? null,
  };
}

export interface LightLoadMeasure extends PhaseMeasure {
  readonly intervalMs: number;
  /** Orders placed, the warm-up included; `orders` (and the latencies) are the measured ones. */
  readonly placedOrders: number;
}

/** The light-load figures: latency of the measured orders, calls over every order placed (warm-up too). */
export function lightLoadFigures(light: LightLoadMeasure): LightLoadFigures {
  const figures = phaseFigures({ ...light, orders: light.placedOrders });
  return {
    orders: light.orders,
    intervalMs: light.intervalMs,
    latencyMs: latencySummary(light.latenciesMs),
    apiCallsPerOrder: figures.apiCallsPerOrder,
    invocations: figures.invocations,
    meanBatchSize: figures.meanBatchSize,
  };
}

export interface ResultInputs {
  readonly date: Date;
  readonly command: string;
  readonly machine: string;
  readonly main: PhaseMeasure & { readonly happyOrders: number; readonly failureOrders: number };
  readonly floor?: PhaseMeasure;
  readonly base?: PhaseMeasure;
  readonly light?: LightLoadMeasure;
  readonly minimum: MinimumCalls;
  /** Memory, architecture and (optionally) Lambda's own log bytes per invocation of each function, by short name. */
  readonly functionConfig: ReadonlyMap<
    string,
    {
      readonly memoryMb: number;
      readonly architecture: 'arm64' | 'x86_64';
      readonly platformLogBytesPerInvocation?: number;
    }
  >;
  /** DynamoDB units the functions consumed per table (capacityByTable), as the emulator billed them. */
  readonly dynamoDb?: Readonly<Record<string, TableUsage>>;
  /** The same, by the functions behind the bus and the front door's write of the order (cost-scope.ts). */
  readonly dynamoDbBehindTheBus?: Readonly<Record<string, TableUsage>>;
  readonly tracingSampleRate: number;
  readonly alarms: number;
  readonly dashboards: number;
  readonly outcomePassed: boolean;
  readonly problems: readonly string[];
  readonly faults?: FaultReport;
}

/** The function behind `GET /orders/{orderId}`: the benchmark's polling reads are its requests. */
const ORDER_READER = 'get-order';

export function buildResult(input: ResultInputs): BenchResult {
  const { main } = input;
  const pipeline = phaseFigures(main);
  const floor = input.floor ? phaseFigures(input.floor) : null;
  const functions: CostFunction[] = [...main.ledger.functions.values()].map((f) => {
    const config = input.functionConfig.get(f.name);
    if (!config) throw new Error(`no memory/architecture known for function ${f.name}`);
    return {
      name: f.name,
      memoryMb: config.memoryMb,
      architecture: config.architecture,
      invocations: f.invocations,
      billedDurationMs: f.billedDurationMs,
      ...(config.platformLogBytesPerInvocation === undefined
        ? {}
        : { platformLogBytesPerInvocation: config.platformLogBytesPerInvocation }),
    };
  });
  const calls = allCalls(main.ledger);
  // A rule's delivery to a queue is billed as an SQS request: priced with the SQS calls.
  const measured = {
    orders: main.orders,
    functions,
    apiCalls: calls,
    eventBridgeEntries: main.ledger.eventEntries,
    eventBridgeBytes: main.ledger.eventBytes,
    dynamoDb: input.dynamoDb ?? {},
    httpApiRequests: main.ledger.httpApiRequests,
    logBytes: main.ledger.logBytes,
    tracedInvocations: main.ledger.invocations() * input.tracingSampleRate,
  };
  const options = { alarms: input.alarms, dashboards: input.dashboards };
  const split = withoutObservation(
    measured,
    {
      name: ORDER_READER,
      requests: main.ledger.functions.get(ORDER_READER)?.httpRequests ?? 0,
      logBytes: main.ledger.logBytesByFunction.get(ORDER_READER) ?? 0,
      table: 'orders',
    },
    input.tracingSampleRate,
  );
  const cost = costPer1MOrders(split.orders, options);
  const observationUsd = costPer1MOrders(measured, options).totalUsd - cost.totalUsd;
  const frontDoor = main.ledger.frontDoorFunctions();
  const { dynamoDbBehindTheBus, light } = input;
  const behindInputs =
    dynamoDbBehindTheBus === undefined || frontDoor.size === 0
      ? null
      : behindTheBus(
          measured,
          {
            functions: frontDoor,
            logBytes: [...frontDoor].reduce(
              (n, name) => n + (main.ledger.logBytesByFunction.get(name) ?? 0),
              0,
            ),
            dynamoDbBehindTheBus,
          },
          input.tracingSampleRate,
        );
  const behind = behindInputs === null ? null : costPer1MOrders(behindInputs, options);
  const calm = (inputs: CostInputs, lightLedger: PhaseLedger): CostInputs => ({
    ...inputs,
    functions: atLightLoadDurations(inputs.functions, main.ledger.functions, lightLedger.functions),
  });
  const atLightLoad =
    light === undefined
      ? null
      : {
          cost: costPer1MOrders(calm(split.orders, light.ledger), options),
          behindTheBus:
            behindInputs === null
              ? null
              : costPer1MOrders(calm(behindInputs, light.ledger), options).totalUsd,
        };
  return {
    date: input.date.toISOString(),
    command: input.command,
    machine: input.machine,
    orders: main.orders,
    throughputOrdersPerSec: pipeline.throughputOrdersPerSec,
    floorRatio: floor ? pipeline.throughputOrdersPerSec / floor.throughputOrdersPerSec : null,
    latencyMs: pipeline.latencyMs,
    apiCallsPerOrder: {
      ...pipeline.apiCallsPerOrder,
      happyPath: { orders: main.happyOrders, ...perOrder(main.ledger.calls.happyPath, main.happyOrders) },
      failures: { orders: main.failureOrders, ...perOrder(main.ledger.calls.failures, main.failureOrders) },
    },
    minimumCallsPerOrder: input.minimum,
    httpApiRequestsPerOrder: main.ledger.httpApiRequests / main.orders,
    dynamoDbUnitsPerOrder: input.dynamoDb ? unitsPerOrder(input.dynamoDb, main.orders) : null,
    costPer1MOrdersUsd: {
      total: cost.totalUsd,
      byService: cost.byService,
      fixedMonthlyUsd: cost.fixedMonthlyUsd.totalUsd,
      priceTable: cost.priceTable,
      lines: cost.lines,
      observation: { extraReadsPerOrder: split.extraReadsPerOrder, usd: observationUsd },
      behindTheBus: behind === null ? null : { total: behind.totalUsd, byService: behind.byService },
      atLightLoadDurations:
        atLightLoad === null
          ? null
          : {
              total: atLightLoad.cost.totalUsd,
              lambda: atLightLoad.cost.byService.Lambda ?? 0,
              behindTheBus: atLightLoad.behindTheBus,
            },
    },
    scaling: input.base
      ? {
          baseOrders: input.base.orders,
          baseWallMs: input.base.wallMs,
          orders: main.orders,
          wallMs: main.wallMs,
          ratio: main.wallMs / input.base.wallMs,
        }
      : null,
    functions: [...main.ledger.functions.values()].map((f) => ({
      name: f.name,
      invocations: f.invocations,
      coldStarts: f.coldStarts,
      recordsPerInvocation: f.records / Math.max(1, f.invocations),
      failedRecords: f.failedRecords,
      meanDurationMs: f.totalDurationMs / Math.max(1, f.invocations),
    })),
    pipeline,
    lightLoad: input.light ? lightLoadFigures(input.light) : null,
    floor,
    outcomePassed: input.outcomePassed,
    problems: input.problems,
    ...(input.faults ? { faults: input.faults } : {}),
  };
}

function unitsPerOrder(
  byTable: Readonly<Record<string, TableUsage>>,
  orders: number,
): NonNullable<BenchResult['dynamoDbUnitsPerOrder']> {
  const per = ({ writeUnits, readUnits }: TableUsage): UnitsPerOrder => ({
    write: writeUnits / orders,
    read: readUnits / orders,
  });
  const tables = Object.entries(byTable).sort(([a], [b]) => a.localeCompare(b));
  const total = tables.reduce(
    (sum, [, units]) => ({
      writeUnits: sum.writeUnits + units.writeUnits,
      readUnits: sum.readUnits + units.readUnits,
    }),
    { writeUnits: 0, readUnits: 0 },
  );
  return { ...per(total), byTable: Object.fromEntries(tables.map(([name, units]) => [name, per(units)])) };
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const callsPerOrder = z.object({ total: finite, byOperation: z.record(z.string(), finite) });
const latency = z.object({ p50: finite, p95: finite, p99: finite });

/**
 * The keys every result must carry (what the README and docs/capacity.md are written from); run.ts
 * checks each result against it before writing, so a run that could not measure something fails loudly.
 */
export const requiredResultKeys = z.object({
  throughputOrdersPerSec: finite.positive(),
  floorRatio: finite.positive().nullable(),
  latencyMs: latency,
  apiCallsPerOrder: callsPerOrder.extend({ happyPath: callsPerOrder, failures: callsPerOrder }),
  minimumCallsPerOrder: callsPerOrder,
  costPer1MOrdersUsd: z.object({ total: finite.positive(), byService: z.record(z.string(), finite) }),
  faults: z
    .object({
      lost: z.number().int(),
      duplicated: z.number().int(),
      poisonSent: z.number().int(),
      poisonInDlq: z.number().int(),
    })
    .optional(),
});
