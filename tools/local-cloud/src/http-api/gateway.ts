import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InvokeResult } from '../execution-environment';
import { checkIamRequest, iamIdentity } from './iam';
import type { LocalJwtIssuer } from './jwt';
import {
  buildEvent,
  gatewayResponse,
  type HttpResponse,
  INTERNAL_SERVER_ERROR,
  type IncomingRequest,
  mapResult,
  NOT_FOUND,
  newRequestId,
} from './payload';
import { matchRoute, selectStage } from './routing';
import type { HttpApiDefinition, LambdaIntegration } from './template';

/**
 * API Gateway's HTTP API data plane on 127.0.0.1, one `node:http` server per API: stage and route
 * selection, the route's authorization (AWS_IAM, JWT, NONE), the Lambda proxy integration with payload
 * 2.0, and the answers API Gateway gives itself ({"message": "Not Found"} and the like). The function
 * invocation is the caller's (the local Lambda runner), so this module runs without an emulator in tests.
 */

/** HTTP APIs accept request payloads up to 10 MB. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** A synchronous Lambda invocation takes at most 6 MB of event. */
export const MAX_EVENT_BYTES = 6 * 1024 * 1024;

export interface RequestLogEntry {
  /** The API's name. */
  readonly api: string;
  readonly method: string;
  /** As the client sent it (with the query string). */
  readonly url: string;
  readonly status: number;
  readonly ms: number;
  readonly requestId: string;
  /** The route that handled it; absent when none matched. */
  readonly routeKey?: string;
  /** Why the gateway answered an error itself (refused authorization, function error, malformed result). */
  readonly reason?: string;
}

export interface HttpApiGatewayOptions {
  readonly apis: readonly HttpApiDefinition[];
  readonly region: string;
  readonly accountId: string;
  /** Runs an integration's function with the event; resolves what the function did. */
  readonly invoke: (integration: LambdaIntegration, event: Record<string, unknown>) => Promise<InvokeResult>;
  /** Verifies the tokens of JWT routes. */
  readonly issuer: LocalJwtIssuer;
  /** Access key id -> ARN of the deployment's roles and users, for `requestContext.authorizer.iam`. */
  readonly principals: Readonly<Record<string, string>>;
  /**
   * Port of the first API; the next ones listen on the ports after it.
   * @default - free ports chosen by the operating system
   */
  readonly port?: number;
  /** Called once per request, after the answer. @default - none */
  readonly onRequest?: (entry: RequestLogEntry) => void;
}

export interface ServedApi {
  readonly definition: HttpApiDefinition;
  /** `http://127.0.0.1:<port>`: the `$default` stage's base URL; a named stage is below it. */
  readonly url: string;
}

interface Outcome {
  readonly response: HttpResponse;
  readonly routeKey?: string;
  readonly reason?: string;
}

const FORBIDDEN = gatewayResponse(403, 'Forbidden');
const SERVICE_UNAVAILABLE = gatewayResponse(503, 'Service Unavailable');
const TOO_LARGE = gatewayResponse(413, 'Request Entity Too Large');

function unauthorized(reason: string): HttpResponse {
  // API Gateway explains a refused token in this header, as RFC 6750 describes.
  const description = reason.replaceAll('"', "'");
  return gatewayResponse(401, 'Unauthorized', {
    'www-authenticate': `Bearer error="invalid_token" error_description="${description}"`,
  });
}

/** Joined header values by lower-case name, as the checks read them. */
function flatHeaders(headers: IncomingRequest['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, values] of Object.entries(headers)) flat[name.toLowerCase()] = values.join(',');
  return flat;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class HttpApiGateway {
  private constructor(
    readonly apis: readonly ServedApi[],
    private readonly servers: readonly Server[],
  ) {}

  /** Listens for every API; rejects (closing what already listens) when a port is taken. */
  static async start(options: HttpApiGatewayOptions): Promise<HttpApiGateway> {
    const servers: Server[] = [];
    const apis: ServedApi[] = [];
    try {
      for (const [i, definition] of options.apis.entries()) {
        const server = createServer((req, res) => void serve(definition, options, req, res));
        servers.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(options.port === undefined ? 0 : options.port + i, '127.0.0.1', () => resolve());
        });
        const { port } = server.address() as AddressInfo;
        apis.push({ definition, url: `http://127.0.0.1:${port}` });
      }
    } catch (err) {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      throw new Error(`the local HTTP API could not listen: ${(err as Error).message}`);
    }
    return new HttpApiGateway(apis, servers);
  }

  /** Stops listening and closes idle keep-alive connections; requests in flight are answered first. */
  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
          }),
      ),
    );
  }
}

/** Reads the body up to the limit; undefined when it is larger. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function serve(
  api: HttpApiDefinition,
  options: HttpApiGatewayOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const started = Date.now();
  const requestId = newRequestId();
  const url = req.url ?? '/';
  let outcome: Outcome;
  try {
    const body = await readBody(req);
    if (body === undefined) {
      outcome = { response: TOO_LARGE, reason: `the body exceeds ${MAX_BODY_BYTES} bytes` };
    } else {
      const q = url.indexOf('?');
      const request: IncomingRequest = {
        method: req.method ?? 'GET',
        rawPath: q === -1 ? url : url.slice(0, q),
        rawQueryString: q === -1 ? '' : url.slice(q + 1),
        headers: req.headersDistinct as Record<string, string[]>,
        body,
        sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        protocol: `HTTP/${req.httpVersion}`,
        port: req.socket.localPort ?? 0,
      };
      outcome = await handle(api, options, request, requestId, new Date(started));
    }
  } catch (err) {
    outcome = { response: INTERNAL_SERVER_ERROR, reason: `the gateway failed: ${(err as Error).message}` };
  }
  const { response } = outcome;
  res.statusCode = response.statusCode;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  if (response.cookies.length > 0) res.setHeader('set-cookie', [...response.cookies]);
  res.setHeader('apigw-requestid', requestId);
  res.setHeader('content-length', req.method === 'HEAD' ? 0 : response.body.length);
  res.end(req.method === 'HEAD' ? undefined : response.body);
  options.onRequest?.({
    api: api.name,
    method: req.method ?? 'GET',
    url,
    status: response.statusCode,
    ms: Date.now() - started,
    requestId,
    ...(outcome.routeKey ? { routeKey: outcome.routeKey } : {}),
    ...(outcome.reason ? { reason: outcome.reason } : {}),
  });
}

/** One request, from stage selection to the answer. Exported for tests. */
export async function handle(
  api: HttpApiDefinition,
  options: Pick<HttpApiGatewayOptions, 'region' | 'accountId' | 'invoke' | 'issuer' | 'principals'>,
  request: IncomingRequest,
  requestId: string,
  now: Date,
): Promise<Outcome> {
  const selected = selectStage(api.stages, request.rawPath);
  if (!selected) return { response: NOT_FOUND, reason: 'no stage of the API serves this path' };
  const match = matchRoute(api.routes, request.method, selected.routePath);
  if (!match) return { response: NOT_FOUND };
  const { route } = match;
  const routeKey = route.key.text;

  const headers = flatHeaders(request.headers);
  let authorizer: Record<string, unknown> | undefined;
  const auth = route.authorization;
  if (auth.type === 'AWS_IAM') {
    const checked = checkIamRequest(headers, { region: options.region, now });
    if ('error' in checked) return { response: FORBIDDEN, routeKey, reason: `IAM: ${checked.error}` };
    authorizer = { iam: iamIdentity(checked.accessKeyId, options.principals, options.accountId) };
  } else if (auth.type === 'JWT') {
    const checked = await options.issuer.check(
      headers.authorization,
      { issuer: auth.authorizer.issuer, audience: auth.authorizer.audience, scopes: auth.scopes },
      now,
    );
    if (!checked.ok) {
      const response = checked.status === 403 ? FORBIDDEN : unauthorized(checked.reason);
      return { response, routeKey, reason: `JWT: ${checked.reason}` };
    }
    authorizer = { jwt: checked.jwt };
  }

  if (!route.integration) {
    return { response: INTERNAL_SERVER_ERROR, routeKey, reason: `route ${routeKey} has no integration` };
  }
  const event = buildEvent(request, {
    accountId: options.accountId,
    apiId: api.apiId,
    region: options.region,
    stage: { name: selected.stage.name, variables: selected.stage.variables },
    routeKey,
    pathParameters: match.pathParameters,
    ...(authorizer ? { authorizer } : {}),
    requestId,
    now,
  });
  if (Buffer.byteLength(JSON.stringify(event)) > MAX_EVENT_BYTES) {
    return { response: TOO_LARGE, routeKey, reason: `the event exceeds Lambda's ${MAX_EVENT_BYTES} bytes` };
  }
  const result = await withTimeout(options.invoke(route.integration, event), route.integration.timeoutMs);
  if (result === 'timeout') {
    return {
      response: SERVICE_UNAVAILABLE,
      routeKey,
      reason: `the function did not answer within the integration timeout of ${route.integration.timeoutMs} ms`,
    };
  }
  if (result.kind !== 'ok') {
    return {
      response: INTERNAL_SERVER_ERROR,
      routeKey,
      reason: `function ${result.kind}: ${result.error.errorType}: ${result.error.errorMessage}`,
    };
  }
  const mapped = mapResult(result.payload);
  if ('malformed' in mapped) {
    return {
      response: INTERNAL_SERVER_ERROR,
      routeKey,
      reason: `malformed function result: ${mapped.malformed}`,
    };
  }
  return { response: mapped.response, routeKey };
}
