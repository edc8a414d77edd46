import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fault-injecting HTTP proxy in front of the emulator, for the local target only: the functions'
 * AWS_ENDPOINT_URL points here, and every request is passed to moto unchanged, except DynamoDB requests
 * that match an active fault:
 *
 * - an outage: what DynamoDB answers when it cannot serve a request (HTTP 503, ServiceUnavailable), so
 *   the functions' SDK retries them as it would on AWS, then fails;
 * - transaction conflicts: the first N matching TransactWriteItems are cancelled as DynamoDB cancels a
 *   transaction that collides with a concurrent one (HTTP 400, TransactionCanceledException with a
 *   TransactionConflict reason per item), which moto, serving one request at a time, never does.
 *
 * A fault matches requests whose body contains given strings (a table name and an order id, a product
 * id): a whole-table fault would also hit the tests that share the deployment and run at the same time.
 * The tests switch faults on and off through a small control API on the same port (OutageControl below).
 */

const CONTROL_PREFIX = '/__fault-proxy/';
const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810.';
const TRANSACT_WRITE_ITEMS = `${DYNAMODB_TARGET_PREFIX}TransactWriteItems`;

/** The error DynamoDB's JSON protocol returns with HTTP 503; the SDK classes every 5xx as retryable. */
const SERVICE_UNAVAILABLE = JSON.stringify({
  __type: 'com.amazon.coral.service#ServiceUnavailableException',
  message: 'Service unavailable (injected by the integration suite)',
});

/**
 * What DynamoDB's JSON protocol returns for a transaction cancelled by conflicts: the SDK takes the error
 * name after the `#` of `__type` and reads `CancellationReasons` (one per item, in order) and `Message`.
 */
function transactionConflict(items: number): string {
  const codes = Array.from({ length: items }, () => 'TransactionConflict');
  return JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    CancellationReasons: codes.map((Code) => ({
      Code,
      Message: 'Transaction is ongoing for the item (injected by the integration suite)',
    })),
  });
}

type FaultKind = 'outages' | 'conflicts';

interface Fault {
  readonly kind: FaultKind;
  /** A request matches when its body contains every one of these (e.g. a table name and an order id). */
  readonly bodyContains: readonly string[];
  /** Conflicts only: how many matching requests to refuse; outages refuse until stopped. */
  readonly requests?: number;
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
  const faults = new Map<string, Fault>();
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });

  const control = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const [kind, rawId] = (req.url ?? '').slice(CONTROL_PREFIX.length).split('/');
    const id = decodeURIComponent(rawId ?? '');
    if (kind !== 'outages' && kind !== 'conflicts')
      return json(res, 404, { message: `no fault kind ${kind}` });
    if (req.method === 'PUT') {
      const { bodyContains, requests } = JSON.parse(body.toString('utf8')) as {
        bodyContains?: unknown;
        requests?: unknown;
      };
      if (
        !Array.isArray(bodyContains) ||
        !bodyContains.every((n) => typeof n === 'string' && n.length >= 8)
      ) {
        return json(res, 400, { message: 'bodyContains: a list of strings of 8 characters or more' });
      }
      if (kind === 'conflicts' && !(Number.isInteger(requests) && Number(requests) > 0)) {
        return json(res, 400, { message: 'requests: how many matching transactions to cancel, at least 1' });
      }
      faults.set(id, {
        kind,
        bodyContains,
        requests: kind === 'conflicts' ? Number(requests) : undefined,
        refused: 0,
      });
      return json(res, 200, { id, refused: 0 });
    }
    const fault = faults.get(id);
    if (fault?.kind !== kind) return json(res, 404, { message: `no ${kind} ${id}` });
    if (req.method === 'DELETE') faults.delete(id);
    return json(res, 200, { id, refused: fault.refused, active: faults.has(id) });
  };

  /** The answer of the first active fault the request matches, if any. */
  const injected = (amzTarget: string, text: string): { status: number; body: string } | undefined => {
    for (const fault of faults.values()) {
      if (!fault.bodyContains.every((needle) => text.includes(needle))) continue;
      if (fault.kind === 'outages') {
        fault.refused++;
        return { status: 503, body: SERVICE_UNAVAILABLE };
      }
      if (amzTarget !== TRANSACT_WRITE_ITEMS || fault.refused >= (fault.requests ?? 0)) continue;
      fault.refused++;
      const items = (JSON.parse(text) as { TransactItems?: unknown[] }).TransactItems?.length ?? 1;
      return { status: 400, body: transactionConflict(items) };
    }
    return undefined;
  };

  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => {
        if (req.url?.startsWith(CONTROL_PREFIX)) return control(req, res, body);
        const amzTarget = req.headers['x-amz-target'];
        if (typeof amzTarget === 'string' && amzTarget.startsWith(DYNAMODB_TARGET_PREFIX)) {
          const answer = injected(amzTarget, body.toString('utf8'));
          if (answer) {
            res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
            res.end(answer.body);
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

/** The tests' side of the control API: outages, and transaction conflicts. */
export class OutageControl {
  /** The kind of each fault started here, so `refused` and `stop` need only its id. */
  private readonly kinds = new Map<string, FaultKind>();

  constructor(private readonly endpoint: string) {}

  /** Starts refusing DynamoDB requests whose body contains every string of `bodyContains`; returns its id. */
  async start(...bodyContains: string[]): Promise<string> {
    return this.open('outages', { bodyContains });
  }

  /**
   * Cancels the next `requests` TransactWriteItems whose body contains every string of `bodyContains`
   * with a TransactionConflict, as DynamoDB does when concurrent requests touch the same item; returns its id.
   */
  async startConflicts(requests: number, ...bodyContains: string[]): Promise<string> {
    return this.open('conflicts', { bodyContains, requests });
  }

  /** How many requests the fault has refused so far. */
  async refused(id: string): Promise<number> {
    return (await this.call('GET', id)).refused;
  }

  /** Ends the fault; returns how many requests it refused. */
  async stop(id: string): Promise<number> {
    return (await this.call('DELETE', id)).refused;
  }

  private async open(kind: FaultKind, body: unknown): Promise<string> {
    const id = randomUUID();
    this.kinds.set(id, kind);
    await this.call('PUT', id, body);
    return id;
  }

  private async call(method: string, id: string, body?: unknown): Promise<{ refused: number }> {
    const kind = this.kinds.get(id) ?? 'outages';
    const res = await fetch(`${this.endpoint}${CONTROL_PREFIX}${kind}/${encodeURIComponent(id)}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    const answer = (await res.json()) as { refused: number; message?: string };
    if (!res.ok) throw new Error(`fault proxy ${method} ${id}: ${answer.message ?? res.status}`);
    return answer;
  }
}
