import { EmulatorError } from './emulator-endpoint';

/** The routes moto_server.py serves in front of moto's own: request counts and bus policies. */

/** Requests the emulator served for one caller and operation, cumulative. */
export interface EmulatorRequestCount {
  /** The `app/<id>` token of the SDK's user agent; '' when the client sets no app id. */
  readonly caller: string;
  /** `DynamoDB`, `EventBridge`, `SQS`, `S3`, `Lambda`, `CloudFormation`, `IAM`, `STS`, else the signing name. */
  readonly service: string;
  /**
   * The API operation (`UpdateItem`) for JSON and query protocol requests; for REST APIs (S3, Lambda)
   * the HTTP method and first path segment (`PUT my-bucket`).
   */
  readonly operation: string;
  /** Every HTTP request, answered with an error or not: an SDK retry counts again. */
  readonly count: number;
  /** Of `count`, the requests answered with a 4xx or 5xx status. */
  readonly errors: number;
}

/**
 * DynamoDB capacity one caller consumed on one table, as on-demand mode would bill it (item sizes by the
 * developer guide's rules; moto's own ConsumedCapacity is a constant).
 */
export interface EmulatorTableCapacity {
  readonly caller: string;
  readonly table: string;
  /** Write request units: ceil(item size / 1 KB) per write, x2 in a transaction; failed conditions included. */
  readonly writeUnits: number;
  /** Read request units: ceil(size / 4 KB) per strongly consistent read, half when eventually consistent. */
  readonly readUnits: number;
}

/** What `GET /_local/requests` of moto_server.py answers. */
export interface EmulatorRequestCounts {
  readonly requests: readonly EmulatorRequestCount[];
  readonly dynamodb: readonly EmulatorTableCapacity[];
}

/** Served by moto_server.py in front of moto's own routes. */
export const REQUEST_COUNTS_PATH = '/_local/requests';

/** Served by moto_server.py: `PUT` sets the bus policy statements it enforces on PutEvents. */
export const BUS_POLICY_PATH = '/_local/bus-policy';

/** The condition operators moto_server.py evaluates (ArnEquals matches wildcards as ArnLike does, as in IAM). */
export const BUS_POLICY_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnNotEquals',
  'ArnLike',
  'ArnNotLike',
] as const;
export type BusPolicyOperator = (typeof BUS_POLICY_OPERATORS)[number];

/** The request context of one PutEvents entry, as EventBridge authorises it. */
export const BUS_POLICY_KEYS = ['events:source', 'events:detail-type', 'aws:PrincipalArn'] as const;
export type BusPolicyKey = (typeof BUS_POLICY_KEYS)[number];

export interface BusPolicyCondition {
  readonly operator: BusPolicyOperator;
  readonly key: BusPolicyKey;
  /** Resolved values: the condition holds when the entry's value matches one (none, for a Not operator). */
  readonly values: readonly string[];
}

/** A Deny statement on events:PutEvents: an entry is refused when its principal matches and every condition holds. */
export interface BusPolicyStatement {
  readonly sid?: string;
  /** Where it comes from (`<stack>/<logical id>`), for messages. */
  readonly origin: string;
  /** ARN patterns of the principals it names; absent for `*` (everyone). */
  readonly principals?: readonly string[];
  readonly conditions: readonly BusPolicyCondition[];
}

/** What `PUT /_local/bus-policy` takes. */
export interface EmulatorBusPolicies {
  /** Access key id -> the ARN of the principal that signs with it (its `aws:PrincipalArn`). */
  readonly principals: Readonly<Record<string, string>>;
  /** Bus name -> its ARN and statements. A bus named here has its statements replaced; others are kept. */
  readonly buses: Readonly<
    Record<string, { readonly arn: string; readonly statements: readonly BusPolicyStatement[] }>
  >;
}

function isRequestCounts(value: unknown): value is EmulatorRequestCounts {
  const v = value as Partial<EmulatorRequestCounts> | null;
  return typeof v === 'object' && v !== null && Array.isArray(v.requests) && Array.isArray(v.dynamodb);
}

/**
 * Reads the counts of moto_server.py. `optional`: an attached moto may run without it (404, or an
 * S3 answer for a bucket named `_local`): undefined instead of an error.
 */
export async function fetchRequestCounts(
  endpoint: string,
  optional: boolean,
): Promise<EmulatorRequestCounts | undefined> {
  let body: unknown;
  try {
    const res = await fetch(`${endpoint}${REQUEST_COUNTS_PATH}`, { signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    body = res.ok ? JSON.parse(text) : undefined;
  } catch (err) {
    if (optional) return undefined;
    throw new EmulatorError(
      `moto on ${endpoint} did not answer ${REQUEST_COUNTS_PATH} (${err instanceof Error ? err.message : String(err)}): has it stopped?`,
    );
  }
  if (isRequestCounts(body)) return body;
  if (optional) return undefined;
  throw new EmulatorError(
    `moto on ${endpoint} answered ${REQUEST_COUNTS_PATH} with something other than request counts: is it run by moto_server.py?`,
  );
}

export async function putBusPolicies(endpoint: string, policies: EmulatorBusPolicies): Promise<true> {
  let res: Response;
  try {
    res = await fetch(`${endpoint}${BUS_POLICY_PATH}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(policies),
      signal: AbortSignal.timeout(5_000),
    });
  } catch (err) {
    throw new EmulatorError(
      `moto on ${endpoint} did not answer ${BUS_POLICY_PATH} (${err instanceof Error ? err.message : String(err)}): has it stopped?`,
    );
  }
  const text = await res.text();
  if (!res.ok) {
    throw new EmulatorError(
      `moto on ${endpoint} refused the bus policies (HTTP ${res.status}): ${text.trim()}`,
    );
  }
  return true;
}

/** Subtracts a counter of `before` from `after`: counters only grow, unless the emulator restarted. */
function delta(what: string, before: number | undefined, after: number): number {
  const d = after - (before ?? 0);
  if (d < 0) {
    throw new EmulatorError(
      `${what} went down between the snapshots (${before} -> ${after}): the emulator restarted in between, so they cannot be compared`,
    );
  }
  return d;
}

/**
 * What was counted between two snapshots of `requestCounts()`: per caller and operation (and per caller
 * and table), `after` minus `before`, without the rows that did not change. Throws an EmulatorError when
 * a counter went down or disappeared (the emulator restarted between the snapshots).
 */
export function diffRequestCounts(
  before: EmulatorRequestCounts,
  after: EmulatorRequestCounts,
): EmulatorRequestCounts {
  const requestKey = (r: EmulatorRequestCount) => JSON.stringify([r.caller, r.service, r.operation]);
  const tableKey = (t: EmulatorTableCapacity) => JSON.stringify([t.caller, t.table]);
  const beforeRequests = new Map(before.requests.map((r) => [requestKey(r), r]));
  const beforeTables = new Map(before.dynamodb.map((t) => [tableKey(t), t]));
  const afterRequestKeys = new Set(after.requests.map(requestKey));
  const afterTableKeys = new Set(after.dynamodb.map(tableKey));
  for (const [key, r] of beforeRequests) {
    if (!afterRequestKeys.has(key)) delta(`requests ${key}`, r.count, 0);
  }
  for (const [key, t] of beforeTables) {
    if (!afterTableKeys.has(key)) delta(`capacity ${key}`, t.writeUnits + t.readUnits, 0);
  }

  const requests: EmulatorRequestCount[] = [];
  for (const r of after.requests) {
    const key = requestKey(r);
    const b = beforeRequests.get(key);
    const count = delta(`requests ${key}`, b?.count, r.count);
    const errors = delta(`errors ${key}`, b?.errors, r.errors);
    if (count > 0 || errors > 0) requests.push({ ...r, count, errors });
  }
  const dynamodb: EmulatorTableCapacity[] = [];
  for (const t of after.dynamodb) {
    const key = tableKey(t);
    const b = beforeTables.get(key);
    const writeUnits = delta(`write units ${key}`, b?.writeUnits, t.writeUnits);
    const readUnits = delta(`read units ${key}`, b?.readUnits, t.readUnits);
    if (writeUnits > 0 || readUnits > 0) dynamodb.push({ ...t, writeUnits, readUnits });
  }
  return { requests, dynamodb };
}
