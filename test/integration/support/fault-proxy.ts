import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fault-injecting HTTP proxy in front of the emulator, for the local target only: the functions'
 * AWS_ENDPOINT_URL points here, and every request is passed to moto unchanged, except DynamoDB requests
 * that match an active outage. Those get what DynamoDB answers when it cannot serve a request
 * (HTTP 503, ServiceUnavailable), so the functions' SDK retries them as it would on AWS, then fails.
 *
 * An outage matches requests whose body contains given strings (a table name and an order id): a
 * whole-table outage would also hit the tests that share the deployment and run at the same time. The tests switch outages on
 * and off through a small control API on the same port (OutageControl below).
 */

const CONTROL_PATH = '/__fault-proxy/outages/';
const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810.';

/** The error DynamoDB's JSON protocol returns with HTTP 503; the SDK classes every 5xx as retryable. */
const SERVICE_UNAVAILABLE = JSON.stringify({
  __type: 'com.amazon.coral.service#ServiceUnavailableException',
  message: 'Service unavailable (injected by the integration suite)',
});

interface Outage {
  /** A request matches when its body contains every one of these (e.g. a table name and an order id). */
  readonly bodyContains: readonly string[];
  refused: number;
}

export interface FaultProxy {
  /** What the functions use as AWS_ENDPOINT_URL; also the base URL of the control API. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const outages = new Map<string, Outage>();
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });

  const control = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const id = decodeURIComponent((req.url ?? '').slice(CONTROL_PATH.length));
    if (req.method === 'PUT') {
      const { bodyContains } = JSON.parse(body.toString('utf8')) as { bodyContains?: unknown };
      if (
        !Array.isArray(bodyContains) ||
        !bodyContains.every((n) => typeof n === 'string' && n.length >= 8)
      ) {
        return json(res, 400, { message: 'bodyContains: a list of strings of 8 characters or more' });
      }
      outages.set(id, { bodyContains, refused: 0 });
      return json(res, 200, { id, refused: 0 });
    }
    const outage = outages.get(id);
    if (!outage) return json(res, 404, { message: `no outage ${id}` });
    if (req.method === 'DELETE') outages.delete(id);
    return json(res, 200, { id, refused: outage.refused, active: outages.has(id) });
  };

  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => {
        if (req.url?.startsWith(CONTROL_PATH)) return control(req, res, body);
        const amzTarget = req.headers['x-amz-target'];
        if (typeof amzTarget === 'string' && amzTarget.startsWith(DYNAMODB_TARGET_PREFIX)) {
          const text = body.toString('utf8');
          for (const outage of outages.values()) {
            if (!outage.bodyContains.every((needle) => text.includes(needle))) continue;
            outage.refused++;
            res.writeHead(503, { 'content-type': 'application/x-amz-json-1.0' });
            res.end(SERVICE_UNAVAILABLE);
            return;
          }
        }
        const forwarded = request(
          {
            protocol: target.protocol,
            hostname: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: target.host },
            agent,
          },
          (upstreamRes) => {
            res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
            upstreamRes.pipe(res);
          },
        );
        forwarded.on('error', (err) => {
          if (!res.headersSent) json(res, 502, { message: `fault proxy: ${err.message}` });
          else res.destroy(err);
        });
        forwarded.end(body);
      })
      .catch((err: Error) => {
        if (!res.headersSent) json(res, 500, { message: `fault proxy: ${err.message}` });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

/** The tests' side of the control API. */
export class OutageControl {
  constructor(private readonly endpoint: string) {}

  /** Starts refusing DynamoDB requests whose body contains every string of `bodyContains`; returns its id. */
  async start(...bodyContains: string[]): Promise<string> {
    const id = randomUUID();
    await this.call('PUT', id, { bodyContains });
    return id;
  }

  /** How many requests the outage has refused so far. */
  async refused(id: string): Promise<number> {
    return (await this.call('GET', id)).refused;
  }

  /** Ends the outage; returns how many requests it refused. */
  async stop(id: string): Promise<number> {
    return (await this.call('DELETE', id)).refused;
  }

  private async call(method: string, id: string, body?: unknown): Promise<{ refused: number }> {
    const res = await fetch(`${this.endpoint}${CONTROL_PATH}${encodeURIComponent(id)}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    const answer = (await res.json()) as { refused: number; message?: string };
    if (!res.ok) throw new Error(`fault proxy ${method} ${id}: ${answer.message ?? res.status}`);
    return answer;
  }
}
