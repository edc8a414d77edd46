import { randomBytes } from 'node:crypto';
import { newTraceId } from '../execution-environment';

/**
 * The two halves of a Lambda proxy integration with payload format version 2.0, as API Gateway HTTP
 * APIs do them ("Working with AWS Lambda proxy integrations for HTTP APIs"): the event a request becomes,
 * and the HTTP response a function's result becomes. Pure: the server (gateway.ts) does the I/O.
 */

export interface IncomingRequest {
  readonly method: string;
  /** The path as the client sent it, percent-encoding kept, stage prefix included. */
  readonly rawPath: string;
  /** After `?`, as sent; empty when there is none. */
  readonly rawQueryString: string;
  /** Header name (any case) -> every value it was sent with. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: Buffer;
  readonly sourceIp: string;
  /** `HTTP/1.1` */
  readonly protocol: string;
  /** The port the client connected to, for `x-forwarded-port`. */
  readonly port: number;
}

export interface EventContext {
  readonly accountId: string;
  readonly apiId: string;
  readonly region: string;
  readonly stage: { readonly name: string; readonly variables: Readonly<Record<string, string>> };
  /** The matched route's key, e.g. `GET /orders/{orderId}` or `$default`. */
  readonly routeKey: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  /** `{ iam: … }` or `{ jwt: … }`; absent for routes without authorization. */
  readonly authorizer?: Readonly<Record<string, unknown>>;
  readonly requestId: string;
  readonly now: Date;
}

/** An API Gateway request id: 16 characters like `ZhLNpgotDoEEJUQ=`. */
export function newRequestId(): string {
  return randomBytes(11).toString('base64');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `17/Jun/2024:15:39:41 +0000`, the format of `requestContext.time`. */
export function requestTime(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(now.getUTCDate())}/${MONTHS[now.getUTCMonth()]}/${now.getUTCFullYear()}:` +
    `${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())} +0000`
  );
}

/**
 * Whether API Gateway passes a body of this content type as text. Checked against AWS: only these are
 * text; everything else, a missing type and form posts included, arrives base64-encoded.
 */
export function isTextContentType(contentType: string | undefined): boolean {
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    media.startsWith('text/') ||
    ['application/json', 'application/xml', 'application/javascript'].includes(media)
  );
}

function decode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Decoded parameters; a repeated name has its values joined with commas, as payload 2.0 does. */
export function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (!rawQueryString) return undefined;
  const params: Record<string, string[]> = {};
  for (const pair of rawQueryString.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    params[name] = [...(params[name] ?? []), value];
  }
  const entries = Object.entries(params).map(([k, v]) => [k, v.join(',')] as const);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** The payload format 2.0 event of a request. */
export function buildEvent(request: IncomingRequest, context: EventContext): Record<string, unknown> {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, values] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    // Payload 2.0 moves the cookie headers to `cookies`, one entry per cookie.
    if (lower === 'cookie') {
      for (const v of values)
        cookies.push(
          ...v
            .split(';')
            .map((c) => c.trim())
            .filter(Boolean),
        );
      continue;
    }
    headers[lower] = [...(headers[lower] ? [headers[lower]] : []), ...values].join(',');
  }
  headers['x-forwarded-for'] = [headers['x-forwarded-for'], request.sourceIp].filter(Boolean).join(', ');
  headers['x-forwarded-port'] = String(request.port);
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??= newTraceId(context.now.getTime()).split(';')[0] ?? '';

  const query = queryParameters(request.rawQueryString);
  const textBody = isTextContentType(headers['content-type']);
  return {
    version: '2.0',
    routeKey: context.routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: context.accountId,
      apiId: context.apiId,
      ...(context.authorizer ? { authorizer: context.authorizer } : {}),
      domainName: `${context.apiId}.execute-api.${context.region}.amazonaws.com`,
      domainPrefix: context.apiId,
      http: {
        method: request.method.toUpperCase(),
        path: decode(request.rawPath),
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: context.requestId,
      routeKey: context.routeKey,
      stage: context.stage.name,
      time: requestTime(context.now),
      timeEpoch: context.now.getTime(),
    },
    ...(request.body.length > 0 ? { body: request.body.toString(textBody ? 'utf8' : 'base64') } : {}),
    ...(Object.keys(context.pathParameters).length > 0 ? { pathParameters: context.pathParameters } : {}),
    isBase64Encoded: request.body.length > 0 && !textBody,
    ...(Object.keys(context.stage.variables).length > 0 ? { stageVariables: context.stage.variables } : {}),
  };
}

export interface HttpResponse {
  readonly statusCode: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Each becomes a `set-cookie` header. */
  readonly cookies: readonly string[];
  readonly body: Buffer;
}

/** What API Gateway answers itself (no route, failed authorization, function error). */
export function gatewayResponse(
  statusCode: number,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    cookies: [],
    body: Buffer.from(JSON.stringify({ message })),
  };
}

export const NOT_FOUND = gatewayResponse(404, 'Not Found');
export const INTERNAL_SERVER_ERROR = gatewayResponse(500, 'Internal Server Error');

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The HTTP response of a function's result (the JSON it returned), or why API Gateway would answer 500
 * instead. Without a `statusCode` the result is the body: 200, `application/json`, a string as it is and
 * anything else as JSON. With one, `headers`, `cookies`, `body` and `isBase64Encoded` must have their types.
 */
export function mapResult(payload: string): { response: HttpResponse } | { malformed: string } {
  let result: unknown;
  try {
    result = JSON.parse(payload);
  } catch {
    return { malformed: 'the function result is not JSON' };
  }
  if (!isObject(result) || !('statusCode' in result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    return {
      response: {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        cookies: [],
        body: Buffer.from(body),
      },
    };
  }
  const { statusCode, headers = {}, cookies = [], body, isBase64Encoded = false } = result;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    return { malformed: `statusCode ${JSON.stringify(statusCode)} is not an HTTP status` };
  }
  if (
    !isObject(headers) ||
    !Object.values(headers).every((v) => ['string', 'number', 'boolean'].includes(typeof v))
  ) {
    return { malformed: 'headers is not an object of string values' };
  }
  if (!Array.isArray(cookies) || !cookies.every((c) => typeof c === 'string')) {
    return { malformed: 'cookies is not a list of strings' };
  }
  if (body !== undefined && body !== null && typeof body !== 'string') {
    return { malformed: `body is a${Array.isArray(body) ? 'n array' : ` ${typeof body}`}, not a string` };
  }
  if (typeof isBase64Encoded !== 'boolean') return { malformed: 'isBase64Encoded is not a boolean' };
  return {
    response: {
      statusCode,
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)])),
      cookies,
      body: Buffer.from(body ?? '', isBase64Encoded ? 'base64' : 'utf8'),
    },
  };
}
