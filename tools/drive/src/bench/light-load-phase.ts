import { isFinalOrderStatus } from '../../../../lambda/domain/order';
import { addAnalytics } from '../demo/expectations';
import { followUntilFinal } from './follow';
import {
  busDeliveries,
  categorisingLedger,
  newScenario,
  type PhaseContext,
  type PhaseResult,
  phaseResult,
  withRunner,
} from './phase-runner';

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
  const { value, emulatorDelta, cpuSamples } = await withRunner(ctx, mappings, ledger, async (driver) => {
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
    ...phaseResult('light load', orders, ledger, emulatorDelta, cpuSamples, value),
    placedOrders: orders + warmUp.orders.length,
    intervalMs,
    mismatches: value.mismatches,
  };
}
