import { randomUUID } from 'node:crypto';
import { TEST_CUSTOMER_PREFIX } from '../../../../lib/test-stages';
import { addAnalytics } from '../demo/expectations';
import { type MalformedEvent, malformedEvent } from '../demo/malformed';
import type { RunResult } from '../demo/play';
import type { Scenario } from '../demo/scenario';
import {
  busDeliveries,
  categorisingLedger,
  newScenario,
  type PhaseContext,
  type PhaseResult,
  phaseResult,
  withRunner,
} from './phase-runner';

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

  const { value, emulatorDelta, cpuSamples } = await withRunner(ctx, mappings, ledger, async (driver) => {
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
    ...phaseResult(label, orders, ledger, emulatorDelta, cpuSamples, { ...run, histories }),
    scenario,
    poison,
    run,
    deadLetterBodies,
  };
}
