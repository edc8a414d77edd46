import { STSClient } from '@aws-sdk/client-sts';
import { callApi } from '@order-pipeline/local-cloud/http-api/client';
import { IDEMPOTENCY_KEY_HEADER } from '../../../lambda/contracts/order-api';
import { type TargetDescription, targetClientConfig } from './target';

/**
 * The stage's orders API as a client calls it: SigV4-signed for `execute-api` with the suite's
 * credentials (the emulator's on local and LocalStack, the default chain's on AWS), or with a bearer
 * token, or bare. Answers are read whole, so a test can assert on status, headers and body together.
 */

export interface ApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** The body parsed as JSON; undefined when it is empty or not JSON. */
  readonly json: Record<string, unknown> | undefined;
}

export interface ApiRequestOptions {
  /** Sent as the Idempotency-Key header. @default - none */
  readonly key?: string;
  /** @default application/json when there is a body */
  readonly contentType?: string;
  /** `iam` signs, `none` sends no credentials, a `{ token }` sends a bearer token. @default iam */
  readonly auth?: 'iam' | 'none' | { readonly token: string };
  /** Base URL of another gateway for the same API. @default the target's */
  readonly baseUrl?: string;
}

export class OrderApiClient {
  private credentials?: Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>;

  constructor(private readonly target: TargetDescription) {}

  private signingCredentials() {
    if (!this.credentials) {
      const config = targetClientConfig(this.target);
      this.credentials = config.credentials
        ? Promise.resolve(config.credentials)
        : (async () => {
            // Any client resolves the default credential chain; STS is one the suite already depends on.
            const sts = new STSClient({ region: this.target.region });
            try {
              return await sts.config.credentials();
            } finally {
              sts.destroy();
            }
          })();
    }
    return this.credentials;
  }

  /** `POST /orders`; an object body is sent as JSON, a string as it is. */
  post(body: unknown, options: ApiRequestOptions = {}): Promise<ApiAnswer> {
    return this.call('POST', '/orders', typeof body === 'string' ? body : JSON.stringify(body), options);
  }

  /** `GET /orders/{orderId}`. */
  get(orderId: string, options: ApiRequestOptions = {}): Promise<ApiAnswer> {
    return this.call('GET', `/orders/${encodeURIComponent(orderId)}`, undefined, options);
  }

  private async call(
    method: string,
    path: string,
    body: string | undefined,
    options: ApiRequestOptions,
  ): Promise<ApiAnswer> {
    const auth = options.auth ?? 'iam';
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    if (options.key !== undefined) headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()] = options.key;
    const response = await callApi({
      method,
      url: `${options.baseUrl ?? this.target.apiUrl}${path}`,
      headers,
      body,
      ...(auth === 'iam'
        ? { iam: { credentials: await this.signingCredentials(), region: this.target.region } }
        : {}),
      ...(typeof auth === 'object' ? { token: auth.token } : {}),
    });
    const text = await response.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, json };
  }
}
