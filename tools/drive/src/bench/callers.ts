import type { EmulatorRequestCounts } from '@order-pipeline/local-cloud/emulator';
import { addCallCounts } from './measure';

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
