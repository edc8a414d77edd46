import { startLocalHttpApis } from '@order-pipeline/local-cloud/http-api';
import type { LocalLambdaRunner } from '@order-pipeline/local-cloud/lambda-runner';
import type { LocalPipeline } from '@order-pipeline/local-cloud/local-pipeline';
import { IDEMPOTENCY_KEY_HEADER } from '../../../../lambda/contracts/order-api';
import { DemoDriver } from '../demo/drive';
import { demoTargets, orderApiUrl } from '../demo/targets';
import type { PhaseLedger } from './measure';

/**
 * The benchmark's front door: each phase serves the app's HTTP API with the phase's own runner, so the
 * API functions (place-order, get-order) start cold with the consumers and every request they serve is
 * booked on the phase's ledger, with the order it is about. Orders are placed with `POST /orders` and
 * followed with `GET /orders/{orderId}`, signed as a storefront backend signs them.
 */

/** The runner's synchronous invocation, as the local HTTP API calls it. */
type Invoker = Pick<LocalLambdaRunner, 'invokeFunction'>;

interface RequestEvent {
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly pathParameters?: Readonly<Record<string, string | undefined>>;
}

const KEY_HEADER = IDEMPOTENCY_KEY_HEADER.toLowerCase();

/**
 * The order an HTTP API event (payload 2.0, headers in lower case) is about: the idempotency key of a
 * `POST /orders` (the benchmark's own order id), the path's order id of a `GET /orders/{orderId}`.
 */
export function orderOfRequest(event: unknown): string | undefined {
  const e = (typeof event === 'object' && event !== null ? event : {}) as RequestEvent;
  return e.pathParameters?.orderId ?? e.headers?.[KEY_HEADER];
}

/** `runner`'s invocations, each booked on `ledger` as one HTTP API request once it has answered. */
export function bookingRequests(runner: Invoker, ledger: Pick<PhaseLedger, 'recordRequest'>): Invoker {
  return {
    invokeFunction: async (fn, event) => {
      const invocation = await runner.invokeFunction(fn, event);
      ledger.recordRequest(fn.shortName, invocation, orderOfRequest(event));
      return invocation;
    },
  };
}

export interface PhaseDoor {
  /** Places and reads through the phase's HTTP API. */
  readonly driver: DemoDriver;
  stop(): Promise<void>;
}

/** Serves the app's HTTP API with `runner` and returns a driver that places and reads orders through it. */
export async function openPhaseDoor(
  pipeline: Pick<LocalPipeline, 'deployment' | 'emulator'>,
  runner: Invoker,
  ledger: Pick<PhaseLedger, 'recordRequest'>,
): Promise<PhaseDoor> {
  const { deployment, emulator } = pipeline;
  const httpApis = await startLocalHttpApis({
    deployment,
    emulator,
    runner: bookingRequests(runner, ledger),
  });
  let driver: DemoDriver;
  try {
    driver = new DemoDriver(emulator.clientConfig, demoTargets(deployment), {
      api: orderApiUrl({ httpApis }),
    });
  } catch (err) {
    await httpApis.stop();
    throw err;
  }
  return {
    driver,
    stop: async () => {
      driver.destroy();
      await httpApis.stop();
    },
  };
}
