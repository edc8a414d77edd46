import { randomUUID } from 'node:crypto';
import { diffRequestCounts, type EmulatorRequestCounts } from '@order-pipeline/local-cloud/emulator';
import {
  LocalLambdaRunner,
  type LocalSqsMapping,
  RUNNER_APP_ID,
} from '@order-pipeline/local-cloud/lambda-runner';
import type { LocalPipeline } from '@order-pipeline/local-cloud/local-pipeline';
import type { StageConfig } from '../../../../lib/config';
import { TEST_ORDER_PREFIX } from '../../../../lib/test-stages';
import {
  type DemoDriver,
  DRIVER_APP_ID,
  type HistoryPoint,
  OrderFeeder,
  type RunResult,
} from '../demo/drive';
import {
  type AnalyticsSummary,
  addAnalytics,
  buildScenario,
  type MalformedEvent,
  malformedEvent,
  type Scenario,
} from '../demo/scenario';
import { addCallCounts, type CallCategory, type CallCounts, PhaseLedger } from './measure';
import { deliveriesPerEntry, ruleRoutes } from './minimum';

/**
 * One measured phase of the benchmark: a fresh Lambda runner (cold, as a new deployment would be), a
 * load, the wait until it has settled, then the runner stopped so every count is final. The AWS calls
 * are the emulator's: its request counts are read before the runner starts and after it stops, per
 * caller (each function's AWS_SDK_UA_APP_ID, the runner's pollers, the driver). Nothing in the
 * functions counts.
 */

/** Queue deliveries per bus entry of each detail type, by the deployed rules: how entries are counted. */
function busDeliveries(pipeline: LocalPipeline): (detailType: string) => number {
  return deliveriesPerEntry(ruleRoutes(pipeline.deployment.stacks.map((s) => s.template as never)));
}

export interface PhaseContext {
  /**
   * What analytics has counted from earlier phases: its aggregates are per day, not per run, so each
   * phase expects its own orders on top of those.
   */
  analyticsSoFar: AnalyticsSummary;
  readonly pipeline: LocalPipeline;
  readonly driver: DemoDriver;
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
  /** Order id -> placed (accepted by the bus) and final (last history entry), epoch ms. */
  readonly latenciesMs: readonly number[];
  /** First placement to the last order's final state. */
  readonly wallMs: number;
  readonly placeStartedAt: number;
  /** Calls of the driver while placing: the producer's PutEvents. */
  readonly producerCalls: CallCounts;
  /** Every request the emulator served during the phase. */
  readonly emulatorDelta: EmulatorRequestCounts;
  readonly histories: ReadonlyMap<string, readonly HistoryPoint[]>;
}

/**
 * The caller a request came from: the SDK app id the runner gives each function. Powertools appends
 * its own user-agent token (`PT/<feature>/<version> PTEnv/<runtime>`) to the functions' clients, which
 * reaches the emulator as part of the app id (`validate-order-PT-NO-OP-2.36.0-PTEnv-...`).
 */
export function callerOf(appId: string): string {
  return appId.replace(/-PT-.*$/, '');
}

/** The requests the emulator served, by caller (as `callerOf` names it) and `Service.Operation`. */
export function callsByCaller(served: EmulatorRequestCounts): Map<string, Record<string, number>> {
  const calls = new Map<string, Record<string, number>>();
  for (const r of served.requests) {
    const caller = callerOf(r.caller);
    calls.set(caller, addCallCounts(calls.get(caller) ?? {}, { [`${r.service}.${r.operation}`]: r.count }));
  }
  return calls;
}

/**
 * Runs `body` with a fresh runner, then books the calls the emulator served in the meantime: each
 * function's and the pollers' on the ledger. Returns the driver's calls for the phase to book.
 */
async function withRunner<T>(
  ctx: PhaseContext,
  mappings: readonly LocalSqsMapping[],
  ledger: PhaseLedger,
  body: (runner: LocalLambdaRunner) => Promise<T>,
): Promise<{ value: T; driverCalls: CallCounts; emulatorDelta: EmulatorRequestCounts }> {
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
    onLog: (_, line) => ledger.log(line),
  });
  runner.start();
  let value: T;
  try {
    value = await body(runner);
  } finally {
    await runner.stop();
  }
  const after = await emulator.requestCounts();
  if (after === undefined) throw new Error('the emulator stopped counting requests during the phase');
  const emulatorDelta = diffRequestCounts(before, after);
  const served = callsByCaller(emulatorDelta);
  for (const name of ledger.functions.keys()) ledger.addFunctionCalls(name, served.get(name) ?? {});
  ledger.addPollerCalls(served.get(RUNNER_APP_ID) ?? {}, runner.emptyReceives);
  return { value, driverCalls: served.get(DRIVER_APP_ID) ?? {}, emulatorDelta };
}

/** The driver's PutEvents calls in a phase. */
function putEventsOf(calls: CallCounts): number {
  return calls['EventBridge.PutEvents'] ?? 0;
}

export interface PipelinePhase extends PhaseResult {
  readonly scenario: Scenario;
  readonly poison: readonly MalformedEvent[];
  readonly run: RunResult;
  readonly deadLetterBodies: Readonly<Record<string, readonly string[]>>;
}

/** Ids of the measured orders start with this: the only orders random faults (`-c faultRate`) hit. */
const BENCH_ID_PREFIX = TEST_ORDER_PREFIX.bench.replace(/-$/, '');

/** The demo's mix of `orders` orders, under a fresh run id, so phases on one stack never mix. */
function newScenario(ctx: PhaseContext, idPrefix: string, orders: number): Scenario {
  return buildScenario({
    runId: randomUUID().replaceAll('-', '').slice(0, 8),
    idPrefix,
    orders,
    policy: ctx.policy,
    now: new Date(),
    eventId: randomUUID(),
  });
}

/** N orders of the demo's mix (plus poison events) through the real functions. */
export async function runPipelinePhase(
  ctx: PhaseContext,
  label: string,
  orders: number,
  poisonCount: number,
): Promise<PipelinePhase> {
  const { pipeline, driver } = ctx;
  const scenario0 = newScenario(ctx, BENCH_ID_PREFIX, orders);
  const poison = Array.from({ length: poisonCount }, (_, i) =>
    malformedEvent(`${BENCH_ID_PREFIX}-${scenario0.runId}-poison-${i + 1}`, {
      now: new Date(),
      eventId: randomUUID(),
    }),
  );
  // With poison, the scenario's own malformed event goes too; each ends in validate-order's DLQ.
  const withMalformed = poisonCount > 0;
  const expected = poison.length + 1;
  const scenario: Scenario = {
    ...scenario0,
    expectedDeadLetters: withMalformed ? { ValidateOrderDlqUrl: expected } : {},
    expectedAnalytics: addAnalytics(ctx.analyticsSoFar, scenario0.expectedAnalytics),
  };
  ctx.analyticsSoFar = scenario.expectedAnalytics;
  const kinds = new Map(scenario.orders.map((o) => [o.order.orderId, o.kind]));
  const category = (orderId: string | undefined): CallCategory =>
    orderId !== undefined && kinds.get(orderId) === 'fulfilled' ? 'happyPath' : 'failures';
  const ledger = new PhaseLedger(category, busDeliveries(pipeline));
  const mappings = pipeline.runner?.mappings ?? [];

  const { value, driverCalls, emulatorDelta } = await withRunner(ctx, mappings, ledger, async () => {
    for (const p of poison) await driver.putMalformed(p);
    const run = await driver.run(scenario, {
      deadlineMs: ({ maxReceiveCount, visibilityTimeoutSeconds }) =>
        (maxReceiveCount + 2) * visibilityTimeoutSeconds * 1000 + 120_000 + orders * 300,
      onProgress: ctx.say,
      putMalformed: withMalformed,
      maxBacklog: ctx.backlog,
      onStatus: (s) =>
        ctx.status(
          `${label}: ${Object.values(s.final).reduce((a, b) => a + b, 0)}/${s.orders} final · ${s.queued} queued · DLQ ${s.deadLettered}/${s.expectedDeadLettered}`,
        ),
    });
    const deadLetterBodies: Record<string, string[]> = {};
    for (const key of Object.keys(driver.targets.deadLetterQueues)) {
      deadLetterBodies[key] = await driver.deadLetterBodies(key);
    }
    const histories = await driver.readHistories(scenario.orders.map((o) => o.order.orderId));
    return { run, deadLetterBodies, histories };
  });
  const { run, deadLetterBodies, histories } = value;
  // The producer's calls: the driver's PutEvents less one per malformed event (each put alone).
  const producerPuts = putEventsOf(driverCalls) - poison.length - (withMalformed ? 1 : 0);

  const fulfilled = scenario.orders.filter((o) => o.kind === 'fulfilled').length;
  const producerCalls = { 'EventBridge.PutEvents': producerPuts };
  ledger.addCalls('happyPath', { 'EventBridge.PutEvents': (producerPuts * fulfilled) / orders });
  ledger.addCalls('failures', { 'EventBridge.PutEvents': (producerPuts * (orders - fulfilled)) / orders });

  const { latenciesMs, lastFinal } = latencies(run.placedAt, histories);
  return {
    label,
    orders,
    ledger,
    latenciesMs,
    wallMs: lastFinal - run.placeStartedAt,
    placeStartedAt: run.placeStartedAt,
    producerCalls,
    emulatorDelta,
    histories,
    scenario,
    poison,
    run,
    deadLetterBodies,
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

/** The happy path through the floor handlers (bench/floor/handler.ts) in place of every function. */
export async function runFloorPhase(
  ctx: PhaseContext,
  orders: number,
  floorCodeDirectory: string,
): Promise<PhaseResult> {
  const { pipeline, driver } = ctx;
  const scenario = newScenario(ctx, 'floor', orders);
  const ids = scenario.orders.map((o) => o.order.orderId);
  const ledger = new PhaseLedger(() => 'happyPath', busDeliveries(pipeline));
  const mappings = (pipeline.runner?.mappings ?? []).map((m) => ({
    ...m,
    function: { ...m.function, codeDirectory: floorCodeDirectory, handler: 'index.handler' },
  }));
  const { value, driverCalls, emulatorDelta } = await withRunner(ctx, mappings, ledger, async () => {
    // Fed as the pipeline's run is (RunOptions.maxBacklog), so both see queues of the same depth.
    const placeStartedAt = Date.now();
    const feeder = new OrderFeeder(driver, scenario, ctx.backlog);
    await feeder.start();
    const { placedAt } = feeder;
    const pending = new Set(ids);
    const deadline = Date.now() + 120_000 + orders * 300;
    let emptyPolls = 0;
    while ((pending.size > 0 || emptyPolls < 2) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      const placedPending = [...pending].filter((id) => placedAt.has(id));
      if (placedPending.length > 0) {
        for (const [id, order] of await driver.readOrders(placedPending)) {
          if (order.status === 'FULFILLED') pending.delete(id);
        }
      }
      const queued = Object.values(await driver.depths(driver.targets.queues)).reduce((a, b) => a + b, 0);
      await feeder.topUp(queued);
      emptyPolls = pending.size === 0 && queued === 0 ? emptyPolls + 1 : 0;
      ctx.status(`floor: ${orders - pending.size}/${orders} final · ${queued} queued`);
    }
    if (pending.size > 0) throw new Error(`the floor run did not finish: ${pending.size} orders not final`);
    const histories = await driver.readHistories(ids);
    return { placeStartedAt, placedAt, histories };
  });
  const producerPuts = putEventsOf(driverCalls);
  ledger.addCalls('happyPath', { 'EventBridge.PutEvents': producerPuts });
  const { latenciesMs, lastFinal } = latencies(value.placedAt, value.histories);
  return {
    label: 'floor',
    orders,
    ledger,
    latenciesMs,
    wallMs: lastFinal - value.placeStartedAt,
    placeStartedAt: value.placeStartedAt,
    producerCalls: { 'EventBridge.PutEvents': producerPuts },
    emulatorDelta,
    histories: value.histories,
  };
}
