import { type ApiCall, callApi } from '@order-pipeline/local-cloud/http-api/client';
import {
  IDEMPOTENCY_KEY_HEADER,
  ORDER_PATH,
  ORDERS_PATH,
  type OrderAccepted,
  type OrderStatusView,
  orderAccepted,
  orderStatusView,
} from '../../../../lambda/contracts/order-api';
import type { DemoOrder } from './scenario';

/**
 * The demo's and the benchmark's client of the order API: `POST /orders` and `GET /orders/{orderId}`,
 * signed with SigV4 as a storefront backend calls the deployed API. The demo's own order reference is
 * the Idempotency-Key, so a retry (after a 429, a 5xx or a lost answer) can only ever replay the
 * same order: the API derives the order id from the caller and that key.
 */

/** The answers a client retries with the same key: throttled, a dependency failed. */
const RETRYABLE = new Set([429, 500, 502, 503, 504]);
/** Attempts per request, then the call fails loudly (the demo must never lose an order silently). */
const MAX_ATTEMPTS = 6;
const BACKOFF_BASE_MS = 100;

export class OrderApiError extends Error {
  override readonly name = 'OrderApiError';
}

export interface OrderApiOptions {
  /** The API's base URL (no trailing slash needed). */
  readonly url: string;
  /** Signs every request (the API's IAM authorization). */
  readonly iam: NonNullable<ApiCall['iam']>;
  /** Sends the request: `callApi` unless a test passes another. */
  readonly send?: (call: ApiCall) => Promise<Response>;
  /** Waits between attempts. @default - setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export class OrderApiClient {
  private readonly base: string;
  private readonly send: (call: ApiCall) => Promise<Response>;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: OrderApiOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.send = options.send ?? callApi;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Places a demo order with its own id as the Idempotency-Key; the body is the order without its id. */
  async place(order: DemoOrder['order']): Promise<OrderAccepted> {
    const { orderId: key, ...body } = order;
    const res = await this.call({
      method: 'POST',
      url: `${this.base}${ORDERS_PATH}`,
      headers: { 'content-type': 'application/json', [IDEMPOTENCY_KEY_HEADER]: key },
      body: JSON.stringify(body),
    });
    if (res.status !== 202) throw await this.failure(`POST ${ORDERS_PATH} (key ${key})`, res);
    return orderAccepted.parse(await res.json());
  }

  /** The order's status view; undefined when the API answers 404. */
  async read(orderId: string): Promise<OrderStatusView | undefined> {
    const path = ORDER_PATH.replace('{orderId}', encodeURIComponent(orderId));
    const res = await this.call({ method: 'GET', url: `${this.base}${path}` });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (res.status !== 200) throw await this.failure(`GET ${path}`, res);
    return orderStatusView.parse(await res.json());
  }

  private async call(call: Omit<ApiCall, 'iam'>): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.send({ ...call, iam: this.options.iam });
      if (!RETRYABLE.has(res.status) || attempt >= MAX_ATTEMPTS) return res;
      await res.body?.cancel();
      const retryAfterSeconds = Number(res.headers.get('retry-after'));
      await this.sleep(
        Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0
          ? retryAfterSeconds * 1000
          : BACKOFF_BASE_MS * 2 ** (attempt - 1),
      );
    }
  }

  private async failure(what: string, res: Response): Promise<OrderApiError> {
    const text = await res.text().catch(() => '');
    let detail = text.slice(0, 300);
    try {
      const problem = JSON.parse(text) as { title?: string; detail?: string };
      detail = [problem.title, problem.detail].filter(Boolean).join(': ') || detail;
    } catch {}
    return new OrderApiError(`${what} answered ${res.status}: ${detail}`);
  }
}
