import { STOP_TARGET } from './global-setup';

/** Stops what the global setup started (jest runs both in its main process). */
export default async function teardown(): Promise<void> {
  const stop = (globalThis as Record<symbol, unknown>)[STOP_TARGET] as (() => Promise<void>) | undefined;
  await stop?.();
}
