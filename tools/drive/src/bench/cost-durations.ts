import type { FunctionUsage as CostFunction } from './cost-inputs';
import type { FunctionUsage as MeasuredFunction } from './measure';

/**
 * The loaded run's Lambda time at the light-load phase's durations. Under the loaded run every AWS call
 * waits in the one emulator process (its CPU is the run's limit, `pipeline.cpu`), so a function's
 * duration there is mostly that queue; at light load the emulator answers at once, closer to what
 * DynamoDB, SQS and EventBridge answer on AWS. Counts (invocations, records, calls, units) stay the
 * loaded run's; only the billed time per unit of work changes:
 * - a function the HTTP API invokes: the light phase's warm billed time per invocation;
 * - a queue consumer: the light phase's warm billed time per record, times the loaded run's records. A
 *   batch's records run concurrently, so a batch takes less than its records' sum: this overstates
 *   the loaded run's larger batches, an upper bound on the light-load time.
 * Cold starts' init is kept as the loaded run measured it. A function the light phase did not invoke
 * keeps its loaded time.
 */
export function atLightLoadDurations(
  functions: readonly CostFunction[],
  loaded: ReadonlyMap<string, MeasuredFunction>,
  light: ReadonlyMap<string, MeasuredFunction>,
): CostFunction[] {
  return functions.map((fn) => {
    const measured = loaded.get(fn.name);
    const calm = light.get(fn.name);
    if (measured === undefined || calm === undefined || calm.invocations === 0) return fn;
    const warmMs = calm.billedDurationMs - calm.initBilledMs;
    const perInvocation = calm.httpRequests > 0 || calm.records === 0;
    const work = perInvocation ? measured.invocations : measured.records;
    const perUnitMs = warmMs / (perInvocation ? calm.invocations : calm.records);
    // The loaded run's share of cold starts, scaled like its invocations (cost-observation may have
    // taken some reads out of `fn`).
    const share = measured.invocations === 0 ? 0 : fn.invocations / measured.invocations;
    const billed = Math.round(share * (measured.initBilledMs + work * perUnitMs));
    return { ...fn, billedDurationMs: Math.max(fn.invocations, billed) };
  });
}
