import { randomUUID } from 'node:crypto';
import { diffRequestCounts, type EmulatorRequestCounts } from '@order-pipeline/local-cloud/emulator';
import {
  LocalLambdaRunner,
  type LocalSqsMapping,
  RUNNER_APP_ID,
} from '@order-pipeline/local-cloud/lambda-runner';
import type { LocalPipeline } from '@order-pipeline/local-cloud/local-pipeline';
import { isFinalOrderStatus } from '../../../../lambda/domain/order';
import type { StageConfig } from '../../../../lib/config';
import { TEST_CUSTOMER_PREFIX } from '../../../../lib/test-stages';
import {
  type DemoDriver,
  type HistoryPoint,
  OrderFeeder,
  orderReadIntervalMs,
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
import { openPhaseDoor } from './api-door';
import { addCallCounts, type CallCategory, PhaseLedger } from './measure';
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
 * Runs `body` with a fresh runner and the app's HTTP API served by it, then books the calls the
 * emulator served in the meantime: each function's (the API's included) and the pollers' on the
 * ledger. The driver's own requests (stock, queue depths, malformed events) are no order's.
 */
async function withRunner<T>(
  ctx: PhaseContext,
  mappings: readonly LocalSqsMapping[],
  ledger: PhaseLedger,
  body: (driver: DemoDriver) => Promise<T>,
): Promise<{ value: T; emulatorDelta: EmulatorRequestCounts }> {
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
  runner.start();
  let value: T;
  try {
    const door = await openPhaseDoor(ctx.pipeline, runner, ledger);
    try {
      value = await body(door.driver);
    } finally {
      await door.stop();
    }
  } finally {
    await runner.stop();
  }
  const after = await emulator.requestCounts();
  if (after === undefined) throw new Error('the emulator stopped counting requests during the phase');
  const emulatorDelta = diffRequestCounts(before, after);
  const served = callsByCaller(emulatorDelta);
  for (const name of ledger.functions.keys()) ledger.addFunctionCalls(name, served.get(name) ?? {});
  ledger.addPollerCalls(served.get(RUNNER_APP_ID) ?? {}, runner.emptyReceives);
  return { value, emulatorDelta };
}

export interface PipelinePhase extends PhaseResult {
  readonly scenario: Scenario;
  readonly poison: readonly MalformedEvent[];
  readonly run: RunResult;
  readonly deadLetterBodies: Readonly<Record<string, readonly string[]>>;
}

/** The measured orders' ids (their idempotency keys) start with this. */
const BENCH_ID_PREFIX = 'bench';
/** Their customers' ids: the only orders random faults (`-c faultRate`, lib/test-stages.ts) hit. */
const BENCH_CUSTOMER_PREFIX = TEST_CUSTOMER_PREFIX.bench.replace(/-$/, '');

/** The demo's mix of `orders` orders, under a fresh run id, so phases on one stack never mix. */
function newScenario(
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
function categorisingLedger(
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

/** N orders of the demo's mix (plus poison events) through the real functions. */
export async function runPipelinePhase(
  ctx: PhaseContext,
  label: string,
  orders: number,
  poisonCount: number,
): Promise<PipelinePhase> {
  const { pipeline } = ctx;
  const scenario0 = newScenario(ctx, BENCH_ID_PREFIX, orders, BENCH_CUSTOMER_PREFIX);
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
  const { ledger, learnIds } = categorisingLedger([scenario], busDeliveries(pipeline));
  const mappings = pipeline.runner?.mappings ?? [];

  const { value, emulatorDelta } = await withRunner(ctx, mappings, ledger, async (driver) => {
    for (const p of poison) await driver.putMalformed(p);
    const run = await driver.run(scenario, {
      deadlineMs: ({ maxReceiveCount, visibilityTimeoutSeconds }) =>
        (maxReceiveCount + 2) * visibilityTimeoutSeconds * 1000 + 120_000 + orders * 300,
      onProgress: ctx.say,
      putMalformed: withMalformed,
      maxBacklog: ctx.backlog,
      readOrdersWhenIdle: true,
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
    // Before withRunner shares the emulator's counts between the categories.
    learnIds(run.orderIds);
    return { run, deadLetterBodies, histories };
  });
  const { run, deadLetterBodies, histories } = value;

  return {
    ...phaseResult(label, orders, ledger, emulatorDelta, { ...run, histories }),
    scenario,
    poison,
    run,
    deadLetterBodies,
  };
}

/** A phase's figures from when its orders were placed and the histories they ended with. */
function phaseResult(
  label: string,
  orders: number,
  ledger: PhaseLedger,
  emulatorDelta: EmulatorRequestCounts,
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

/**
 * Polls the orders of `ids` placed so far until every one is final and the queues are empty (twice in a
 * row), or the deadline passes; `onPoll` runs after each poll with the queue depth (to place more).
 * Reads pending orders as the demo does (orderReadIntervalMs): each read is a `GET /orders/{orderId}`.
 */
async function followUntilFinal(
  driver: DemoDriver,
  ids: readonly string[],
  placedAt: ReadonlyMap<string, number>,
  options: {
    readonly deadline: number;
    readonly isFinal: (status: string | undefined) => boolean;
    readonly onPoll: (final: number, queued: number) => Promise<void>;
    /** More orders are still to be placed: not done even if every placed one is final. */
    readonly placing?: () => boolean;
    /**
     * Also wait for the queues to empty, so nothing of the phase is left for the next one's runner.
     * @default true
     */
    readonly settle?: boolean;
    /**
     * Read the orders only once the queues are empty, when they should be final: each read is a
     * function invocation, which would load the pipeline whose idle latency is being measured.
     * @default false - every orderReadIntervalMs
     */
    readonly readWhenIdle?: boolean;
  },
): Promise<number> {
  const pending = new Set(ids);
  let nextReadAt = 0;
  let idle = false;
  let emptyPolls = 0;
  const settled = () => !(options.settle ?? true) || emptyPolls >= 2;
  while ((pending.size > 0 || !settled() || options.placing?.()) && Date.now() < options.deadline) {
    await new Promise((r) => setTimeout(r, 1_000));
    const placedPending = [...pending].filter((id) => placedAt.has(id));
    const mayRead = options.readWhenIdle ? idle : Date.now() >= nextReadAt;
    if (placedPending.length > 0 && mayRead) {
      for (const [id, order] of await driver.readOrders(placedPending)) {
        if (options.isFinal(order.status)) pending.delete(id);
      }
      nextReadAt = Date.now() + orderReadIntervalMs(placedPending.length);
    }
    const queued = Object.values(await driver.depths(driver.targets.queues)).reduce((a, b) => a + b, 0);
    await options.onPoll(ids.length - pending.size, queued);
    emptyPolls = pending.size === 0 && queued === 0 ? emptyPolls + 1 : 0;
    // Nothing queued but orders not seen final yet: read them at the next poll.
    idle = queued === 0;
    if (idle) nextReadAt = 0;
  }
  return pending.size;
}

/** The happy path through the floor handlers (bench/floor/handler.ts) in place of every function. */
export async function runFloorPhase(
  ctx: PhaseContext,
  orders: number,
  floorCodeDirectory: string,
): Promise<PhaseResult> {
  const { pipeline } = ctx;
  const scenario = newScenario(ctx, 'floor', orders);
  const ids = scenario.orders.map((o) => o.order.orderId);
  const ledger = new PhaseLedger(() => 'happyPath', busDeliveries(pipeline));
  const mappings = (pipeline.runner?.mappings ?? []).map((m) => ({
    ...m,
    function: { ...m.function, codeDirectory: floorCodeDirectory, handler: 'index.handler' },
  }));
  const { value, emulatorDelta } = await withRunner(ctx, mappings, ledger, async (driver) => {
    // Fed as the pipeline's run is (RunOptions.maxBacklog), so both see queues of the same depth.
    const placeStartedAt = Date.now();
    const feeder = new OrderFeeder(driver, scenario, ctx.backlog);
    await feeder.start();
    const notFinal = await followUntilFinal(driver, ids, feeder.placedAt, {
      deadline: Date.now() + 120_000 + orders * 300,
      isFinal: (status) => status === 'FULFILLED',
      readWhenIdle: true,
      onPoll: async (final, queued) => {
        await feeder.topUp(queued);
        ctx.status(`floor: ${final}/${orders} final · ${queued} queued`);
      },
    });
    if (notFinal > 0) throw new Error(`the floor run did not finish: ${notFinal} orders not final`);
    const histories = await driver.readHistories(ids);
    return { placeStartedAt, placedAt: feeder.placedAt, histories };
  });
  return phaseResult('floor', orders, ledger, emulatorDelta, value);
}

/** Light load: one order a second, the pace at which no queue holds more than the order in flight. */
export const LIGHT_LOAD_INTERVAL_MS = 1_000;

export interface LightLoadPhase extends PhaseResult {
  readonly intervalMs: number;
  /** The measured orders and the one that warmed the functions up. */
  readonly placedOrders: number;
  /** Orders whose final state is not the one they were built for, or none at all. */
  readonly mismatches: readonly string[];
}

/** When each of `count` orders is due, `intervalMs` apart from `start` (epoch ms). */
export function paceSchedule(start: number, count: number, intervalMs: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i * intervalMs);
}

/**
 * `orders` orders of the demo's mix through the real functions, one every `intervalMs`, each followed to
 * its final state: the latency of an order that finds the pipeline idle, as most do below the load
 * where batches fill. One order goes first, alone, so each function has a warm execution environment,
 * as it has on AWS when orders arrive every second.
 */
export async function runLightLoadPhase(
  ctx: PhaseContext,
  orders: number,
  intervalMs: number = LIGHT_LOAD_INTERVAL_MS,
): Promise<LightLoadPhase> {
  const { pipeline } = ctx;
  const warmUp = newScenario(ctx, 'warm', 1);
  const scenario = newScenario(ctx, 'light', orders);
  ctx.analyticsSoFar = addAnalytics(
    ctx.analyticsSoFar,
    addAnalytics(warmUp.expectedAnalytics, scenario.expectedAnalytics),
  );
  const ids = scenario.orders.map((o) => o.order.orderId);
  const { ledger, learnIds } = categorisingLedger([warmUp, scenario], busDeliveries(pipeline));
  const mappings = pipeline.runner?.mappings ?? [];
  const { value, emulatorDelta } = await withRunner(ctx, mappings, ledger, async (driver) => {
    await driver.seedStock(warmUp);
    const warmPlaced = await driver.placeOrders(warmUp);
    const warmIds = warmUp.orders.map((o) => o.order.orderId);
    await followUntilFinal(driver, warmIds, warmPlaced, {
      deadline: Date.now() + 120_000,
      isFinal: isFinalOrderStatus,
      settle: false,
      readWhenIdle: true,
      onPoll: async () => ctx.status('light load: warming up'),
    });

    await driver.seedStock(scenario);
    const placedAt = new Map<string, number>();
    const due = paceSchedule(Date.now(), orders, intervalMs);
    let placing = true;
    const placed = (async () => {
      try {
        for (const [i, demoOrder] of scenario.orders.entries()) {
          await new Promise((r) => setTimeout(r, Math.max(0, (due[i] ?? 0) - Date.now())));
          for (const [id, at] of await driver.placeOrders({ ...scenario, orders: [demoOrder] })) {
            placedAt.set(id, at);
          }
        }
      } finally {
        placing = false;
      }
    })();
    const placeStartedAt = due[0] ?? Date.now();
    const notFinal = await followUntilFinal(driver, ids, placedAt, {
      deadline: Date.now() + orders * intervalMs + 120_000,
      isFinal: isFinalOrderStatus,
      placing: () => placing,
      readWhenIdle: true,
      onPoll: async (final) => ctx.status(`light load: ${placedAt.size}/${orders} placed · ${final} final`),
    });
    await placed;
    const views = await driver.readViews(ids);
    const histories = new Map([...views].map(([id, view]) => [id, [...view.history]]));
    const mismatches = scenario.orders
      .filter((o) => views.get(o.order.orderId)?.status !== o.expected.status)
      .map((o) => `${o.order.orderId} ended ${views.get(o.order.orderId)?.status ?? 'nowhere'}`);
    if (notFinal > 0) mismatches.push(`${notFinal} orders not final by the deadline`);
    // Before withRunner shares the emulator's counts between the categories.
    learnIds(driver.orderIds);
    return { placeStartedAt, placedAt, histories, mismatches };
  });
  return {
    ...phaseResult('light load', orders, ledger, emulatorDelta, value),
    placedOrders: orders + warmUp.orders.length,
    intervalMs,
    mismatches: value.mismatches,
  };
}
