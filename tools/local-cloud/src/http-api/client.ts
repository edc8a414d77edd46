import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Calls an HTTP API route as a client does: signed with SigV4 for `execute-api` (IAM routes), with a
 * bearer token (JWT routes), or bare. For drivers and tests; the same call works against AWS with real
 * credentials and the deployed URL.
 */

export interface ApiCall {
  readonly method: string;
  /** The full URL, query string included. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Signs the request (IAM routes). */
  readonly iam?: {
    readonly credentials: {
      readonly accessKeyId: string;
      readonly secretAccessKey: string;
      readonly sessionToken?: string;
    };
    readonly region: string;
  };
  /** Sent as `Authorization: Bearer <token>` (JWT routes). */
  readonly token?: string;
}

/** The request's headers, with `authorization` (and the SigV4 headers) added as the call asks. */
export async function authorizedHeaders(call: ApiCall): Promise<Record<string, string>> {
  const url = new URL(call.url);
  const headers: Record<string, string> = { ...call.headers };
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  if (!call.iam) return headers;
  const signer = new SignatureV4({
    service: 'execute-api',
    region: call.iam.region,
    credentials: call.iam.credentials,
    sha256: Hash.bind(null, 'sha256'),
  });
  const query: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) query[k] = [...(query[k] ?? []), v];
  const signed = await signer.sign({
    method: call.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query,
    headers: { ...headers, host: url.host },
    body: call.body,
  });
  return signed.headers;
}

/** Sends the call with fetch. */
export async function callApi(call: ApiCall): Promise<Response> {
  const headers = await authorizedHeaders(call);
  // fetch sets host itself and refuses to be told.
  delete headers.host;
  return fetch(call.url, { method: call.method, headers, body: call.body });
}
