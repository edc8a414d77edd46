import { OrderFeeder } from '../demo/feeder';
import { followUntilFinal } from './follow';
import { PhaseLedger } from './measure';
import {
  busDeliveries,
  newScenario,
  type PhaseContext,
  type PhaseResult,
  phaseResult,
  withRunner,
} from './phase-runner';

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
  const { value, emulatorDelta, cpuSamples } = await withRunner(ctx, mappings, ledger, async (driver) => {
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
  return phaseResult('floor', orders, ledger, emulatorDelta, cpuSamples, value);
}
