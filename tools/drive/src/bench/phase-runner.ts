import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { diffRequestCounts, type EmulatorRequestCounts } from '@order-pipeline/local-cloud/emulator';
import {
  LocalLambdaRunner,
  type LocalSqsMapping,
  RUNNER_APP_ID,
} from '@order-pipeline/local-cloud/lambda-runner';
import type { LocalPipeline } from '@order-pipeline/local-cloud/local-pipeline';
import type { StageConfig } from '../../../../lib/config';
import type { DemoDriver } from '../demo/drive';
import type { AnalyticsSummary } from '../demo/expectations';
import type { HistoryPoint } from '../demo/order-doors';
import { buildScenario, type Scenario } from '../demo/scenario';
import { openPhaseDoor } from './api-door';
import { callsByCaller } from './callers';
import { type CpuSample, CpuSampler, type PhaseCpu, phaseCpu } from './cpu';
import { type CallCategory, PhaseLedger } from './measure';
import { deliveriesPerEntry, ruleRoutes } from './minimum';

/**
 * One measured phase of the benchmark: a fresh Lambda runner (cold, as a new deployment would be), a
 * load, the wait until it has settled, then the runner stopped so every count is final. The AWS calls
 * are the emulator's: its request counts are read before the runner starts and after it stops, per
 * caller (each function's AWS_SDK_UA_APP_ID, the runner's pollers, the driver). Nothing in the
 * functions counts.
 */

/** Queue deliveries per bus entry of each detail type, by the deployed rules: how entries are counted. */
export function busDeliveries(pipeline: LocalPipeline): (detailType: string) => number {
  return deliveriesPerEntry(ruleRoutes(pipeline.deployment.stacks.map((s) => s.template as never)));
}

export interface PhaseContext {
  /**
   * What analytics has counted from earlier phases: its aggregates are per day, not per run, so each
   * phase expects its own orders on top of those.
   */
  analyticsSoFar: AnalyticsSummary;
  readonly pipeline: LocalPipeline;
  readonly policy: StageConfig;
  readonly concurrency: number;
  /** Feed orders as the queues drain, at most this many messages queued (RunOptions.maxBacklog). */
  readonly backlog?: number;
  readonly say: (line: string) => void;
  readonly status: (line: string) => void;
}

export interface PhaseResult {
  readonly label: string;
  readonly orders: number;
  readonly ledger: PhaseLedger;
  /** Each order's client's `POST /orders` to its final state (last history entry), ms. */
  readonly latenciesMs: readonly number[];
  /** First placement to the last order's final state. */
  readonly wallMs: number;
  readonly placeStartedAt: number;
  /** Every request the emulator served during the phase. */
  readonly emulatorDelta: EmulatorRequestCounts;
  readonly histories: ReadonlyMap<string, readonly HistoryPoint[]>;
  /** The emulator's, this process's and the execution environments' CPU during the phase. */
  readonly cpu: PhaseCpu;
}

/**
 * Runs `body` with a fresh runner and the app's HTTP API served by it, then books the calls the
 * emulator served in the meantime: each function's (the API's included) and the pollers' on the
 * ledger. The driver's own requests (stock, queue depths, malformed events) are no order's.
 */
export async function withRunner<T>(
  ctx: PhaseContext,
  mappings: readonly LocalSqsMapping[],
  ledger: PhaseLedger,
  body: (driver: DemoDriver) => Promise<T>,
): Promise<{ value: T; emulatorDelta: EmulatorRequestCounts; cpuSamples: readonly CpuSample[] }> {
  const { emulator } = ctx.pipeline;
  const before = await emulator.requestCounts();
  if (before === undefined) {
    throw new Error(
      'the emulator does not count requests (moto runs without local/moto_server.py): the benchmark takes every AWS call from its count',
    );
  }
  const runner = new LocalLambdaRunner({
    emulator,
    mappings,
    maxConcurrencyPerMapping: ctx.concurrency,
    onInvocation: (r) => ledger.record(r),
    onLog: (name, line) => ledger.log(line, name),
  });
  const sampler = new CpuSampler(emulator.pid);
  sampler.start();
  runner.start();
  let value: T;
  let cpuSamples: readonly CpuSample[];
  try {
    const door = await openPhaseDoor(ctx.pipeline, runner, ledger);
    try {
      value = await body(door.driver);
    } finally {
      await door.stop();
    }
  } finally {
    try {
      await runner.stop();
    } finally {
      // After the environments have exited: their CPU reaches this process's children's time only then.
      cpuSamples = sampler.stop();
    }
  }
  const after = await emulator.requestCounts();
  if (after === undefined) throw new Error('the emulator stopped counting requests during the phase');
  const emulatorDelta = diffRequestCounts(before, after);
  const served = callsByCaller(emulatorDelta);
  for (const name of ledger.functions.keys()) ledger.addFunctionCalls(name, served.get(name) ?? {});
  ledger.addPollerCalls(served.get(RUNNER_APP_ID) ?? {}, runner.emptyReceives);
  return { value, emulatorDelta, cpuSamples };
}

/** The demo's mix of `orders` orders, under a fresh run id, so phases on one stack never mix. */
export function newScenario(
  ctx: PhaseContext,
  idPrefix: string,
  orders: number,
  customerIdPrefix: string = idPrefix,
): Scenario {
  return buildScenario({
    runId: randomUUID().replaceAll('-', '').slice(0, 8),
    idPrefix,
    customerIdPrefix,
    orders,
    policy: ctx.policy,
    now: new Date(),
    eventId: randomUUID(),
  });
}

/**
 * A ledger that puts each order's calls on the happy path or the failures by the kind its scenario built
 * it for. Events and `GET /orders/{orderId}` name an order by the id the API gave it, `POST /orders` by
 * its key (the scenario's id): `learnIds` tells the first from the second once the orders are placed,
 * before the ledger is read.
 */
export function categorisingLedger(
  scenarios: readonly Scenario[],
  deliveries: (detailType: string) => number,
): {
  ledger: PhaseLedger;
  learnIds: (orderIds: ReadonlyMap<string, string>) => void;
} {
  const kinds = new Map(scenarios.flatMap((s) => s.orders.map((o) => [o.order.orderId, o.kind] as const)));
  const scenarioIdOf = new Map<string, string>();
  const category = (orderId: string | undefined): CallCategory =>
    orderId !== undefined && kinds.get(scenarioIdOf.get(orderId) ?? orderId) === 'fulfilled'
      ? 'happyPath'
      : 'failures';
  return {
    ledger: new PhaseLedger(category, deliveries),
    learnIds: (orderIds) => {
      for (const [scenarioId, orderId] of orderIds) scenarioIdOf.set(orderId, scenarioId);
    },
  };
}

/** A phase's figures from when its orders were placed and the histories they ended with. */
export function phaseResult(
  label: string,
  orders: number,
  ledger: PhaseLedger,
  emulatorDelta: EmulatorRequestCounts,
  cpuSamples: readonly CpuSample[],
  placed: {
    readonly placeStartedAt: number;
    readonly placedAt: ReadonlyMap<string, number>;
    readonly histories: ReadonlyMap<string, readonly HistoryPoint[]>;
  },
): PhaseResult {
  const { latenciesMs, lastFinal } = latencies(placed.placedAt, placed.histories);
  return {
    label,
    orders,
    ledger,
    latenciesMs,
    wallMs: lastFinal - placed.placeStartedAt,
    placeStartedAt: placed.placeStartedAt,
    emulatorDelta,
    histories: placed.histories,
    cpu: phaseCpu(cpuSamples, { from: placed.placeStartedAt, to: lastFinal }, availableParallelism()),
  };
}

function latencies(
  placedAt: ReadonlyMap<string, number>,
  histories: ReadonlyMap<string, readonly HistoryPoint[]>,
): { latenciesMs: number[]; lastFinal: number } {
  const latenciesMs: number[] = [];
  let lastFinal = 0;
  for (const [orderId, history] of histories) {
    const placed = placedAt.get(orderId);
    const final = history.at(-1)?.at;
    if (placed === undefined || final === undefined || Number.isNaN(final)) continue;
    latenciesMs.push(Math.max(0, final - placed));
    lastFinal = Math.max(lastFinal, final);
  }
  return { latenciesMs, lastFinal };
}
