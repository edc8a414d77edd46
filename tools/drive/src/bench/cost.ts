import PRICES_2026_11_26 from './aws-prices-2026-11-26.json';

/**
 * Cost per 1,000,000 orders on AWS list prices, from what one measured run counted: HTTP API requests, API calls,
 * configured Lambda memory with billed durations, PutEvents entries, DynamoDB capacity units and
 * logged bytes. Pure: the only input besides the arguments is the dated price table imported above.
 *
 * Every quantity is scaled linearly (quantity / orders x 1,000,000); nothing is rounded here, so
 * presentation rounds once, with `roundUsd`. Fixed monthly costs (alarms, dashboards) do not grow
 * with orders and are returned apart from the per-order cost; `costAtVolume` adds the two.
 */

export type Architecture = 'arm64' | 'x86_64';

/** The services of the per-order cost, in the order reports list them. */
export const SERVICES = [
  'API Gateway',
  'Lambda',
  'SQS',
  'EventBridge',
  'DynamoDB',
  'CloudWatch Logs',
  'X-Ray',
] as const;
export type Service = (typeof SERVICES)[number];

/** AWS bills a GB as 2^30 bytes (Lambda memory likewise: MB / 1024). */
export const BYTES_PER_GB = 2 ** 30;

/** Lambda's configurable memory range, in MB. */
const LAMBDA_MEMORY_MB = { min: 128, max: 10_240 } as const;

/** Services whose API calls are billed by another quantity than the call count (entries, capacity units). */
const BILLED_BY_OTHER_QUANTITY: ReadonlySet<string> = new Set(['EventBridge', 'DynamoDB']);

const API_CALL_KEY = /^([A-Za-z0-9-]+)\.([A-Za-z0-9]+)$/;

/** The shape of bench/aws-prices-<date>.json. Prices are in `currency`, per the unit in each name. */
export interface PriceTable {
  readonly asOf: string;
  readonly region: string;
  readonly currency: string;
  /** Pricing page per service. */
  readonly sources: Readonly<Record<string, string>>;
  readonly lambda: {
    readonly perGbSecond: Readonly<Record<Architecture, number>>;
    readonly perMillionRequests: number;
  };
  readonly sqs: { readonly standardPerMillionRequests: number; readonly requestChunkBytes: number };
  readonly eventBridge: {
    readonly customEventsPerMillion: number;
    readonly eventChunkBytes: number;
    readonly archiveProcessingPerGb: number;
    readonly archiveStoragePerGbMonth: number;
  };
  readonly dynamoDb: {
    readonly onDemandPerMillionWriteRequestUnits: number;
    readonly onDemandPerMillionReadRequestUnits: number;
    readonly storagePerGbMonth: number;
    readonly pitrPerGbMonth: number;
  };
  readonly apiGateway: {
    readonly httpApiPerMillionRequests: number;
    readonly httpApiRequestChunkBytes: number;
  };
  readonly cloudWatchLogs: { readonly ingestionPerGb: number };
  readonly xRay: { readonly perMillionTracesRecorded: number };
  readonly cloudWatch: { readonly standardAlarmPerMonth: number; readonly dashboardPerMonth: number };
  /** What the prices include and exclude. */
  readonly notes: readonly string[];
}

export const DEFAULT_PRICES: PriceTable = PRICES_2026_11_26;
/** Path of DEFAULT_PRICES from the project root, for reports. */
export const DEFAULT_PRICE_TABLE_FILE = 'tools/drive/src/bench/aws-prices-2026-11-26.json';

export interface FunctionUsage {
  readonly name: string;
  readonly memoryMb: number;
  readonly architecture: Architecture;
  readonly invocations: number;
  /**
   * Sum over invocations of each one's duration rounded UP to 1 ms, as Lambda bills it. Include the
   * INIT duration of cold starts: billed for on-demand managed runtimes since 1 August 2025.
   */
  readonly billedDurationMs: number;
}

export interface CostInputs {
  /** Orders the measured run handled; every other quantity is per this many orders. */
  readonly orders: number;
  readonly functions: readonly FunctionUsage[];
  /**
   * "Service.Operation" -> requests, e.g. "SQS.ReceiveMessage", "EventBridge.PutEvents",
   * "DynamoDB.UpdateItem". Every "SQS.*" call is billed as one request (a batch of up to 10 messages
   * is one call; every payload here is under 64 KB), including EventBridge's SendMessage to each
   * target queue. EventBridge and DynamoDB calls are billed by `eventBridgeEntries` and `dynamoDb`
   * instead; calls of any other service are returned as `unpricedApiCalls`.
   */
  readonly apiCalls: Readonly<Record<string, number>>;
  /**
   * HTTP API requests (each <= 512 KB with its answer here), every route and answer counted, a client's
   * retries included. @default - API Gateway not priced
   */
  readonly httpApiRequests?: number;
  /** PutEvents entries (each <= 64 KB here): what EventBridge bills, not the PutEvents call count. */
  readonly eventBridgeEntries: number;
  /** Bytes of events put on the bus, which archives every event. @default - archive not priced */
  readonly eventBridgeBytes?: number;
  /** Consumed capacity: a transactional write counts 2 WRU per KB, an eventually consistent read 0.5 RRU per 4 KB. */
  readonly dynamoDb: { readonly writeUnits: number; readonly readUnits: number };
  /** Bytes the functions logged, platform lines (START, END, REPORT) included. */
  readonly logBytes: number;
  /** X-Ray traces recorded; the caller applies the sampling rate. @default - X-Ray not priced */
  readonly tracedInvocations?: number;
}

export interface CostOptions {
  /** @default DEFAULT_PRICES - the dated table in DEFAULT_PRICE_TABLE_FILE */
  readonly prices?: PriceTable;
  /** Standard-resolution alarm metrics of the stage. @default - no alarm cost */
  readonly alarms?: number;
  /** CloudWatch dashboards of the stage. @default - no dashboard cost */
  readonly dashboards?: number;
}

export interface CostLine {
  readonly service: Service;
  readonly item: string;
  /** Quantity per 1,000,000 orders, in `unit`. */
  readonly quantityPer1M: number;
  readonly unit: string;
  /** Price of one `unit`. */
  readonly unitPriceUsd: number;
  /** The price as the table lists it, e.g. 0.2 per "1M requests". */
  readonly listPrice: { readonly usd: number; readonly per: string };
  /** quantityPer1M x unitPriceUsd. */
  readonly usd: number;
}

export interface FixedCostItem {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPriceUsd: number;
  readonly usd: number;
}

export interface FixedMonthlyCost {
  readonly totalUsd: number;
  readonly items: readonly FixedCostItem[];
}

export interface CostBreakdown {
  /** Per 1,000,000 orders, variable costs only. */
  readonly totalUsd: number;
  /** Every service of SERVICES, 0 when unused. */
  readonly byService: Readonly<Record<Service, number>>;
  readonly lines: readonly CostLine[];
  /** Calls per 1,000,000 orders of services the price table does not cover (none expected). */
  readonly unpricedApiCalls: Readonly<Record<string, number>>;
  readonly priceTable: {
    readonly asOf: string;
    readonly region: string;
    readonly currency: string;
    readonly file: string;
  };
  /** Monthly, whatever the volume; not part of totalUsd. */
  readonly fixedMonthlyUsd: FixedMonthlyCost;
}

/** A cost input that cannot describe a run: says which field and what it must be. */
export class CostInputError extends Error {
  override readonly name = 'CostInputError';
}

export function costPer1MOrders(inputs: CostInputs, options: CostOptions = {}): CostBreakdown {
  const prices = options.prices ?? DEFAULT_PRICES;
  validatePrices(prices);
  validateInputs(inputs);
  if (options.alarms !== undefined) requireWholeCount(options.alarms, 'alarms');
  if (options.dashboards !== undefined) requireWholeCount(options.dashboards, 'dashboards');

  const scale = 1_000_000 / inputs.orders;
  const lines: CostLine[] = [];
  const add = (service: Service, item: string, quantity: number, unit: string, price: ListPrice): void => {
    const quantityPer1M = quantity * scale;
    const { unitPriceUsd, ...listPrice } = price;
    lines.push({
      service,
      item,
      quantityPer1M,
      unit,
      unitPriceUsd,
      listPrice,
      usd: quantityPer1M * unitPriceUsd,
    });
  };

  const { apiGateway, lambda, sqs, eventBridge, dynamoDb, cloudWatchLogs, xRay } = prices;
  if (inputs.httpApiRequests !== undefined) {
    add(
      'API Gateway',
      'HTTP API requests',
      inputs.httpApiRequests,
      'request',
      perMillion(apiGateway.httpApiPerMillionRequests, 'requests'),
    );
  }
  for (const fn of inputs.functions) {
    const gbSeconds = (fn.memoryMb / 1024) * (fn.billedDurationMs / 1000);
    add(
      'Lambda',
      `${fn.name} compute (${fn.architecture}, ${fn.memoryMb} MB)`,
      gbSeconds,
      'GB-second',
      perUnit(lambda.perGbSecond[fn.architecture], `GB-second (${fn.architecture})`),
    );
    add(
      'Lambda',
      `${fn.name} requests`,
      fn.invocations,
      'request',
      perMillion(lambda.perMillionRequests, 'requests'),
    );
  }

  const unpricedApiCalls: Record<string, number> = {};
  for (const [key, calls] of Object.entries(inputs.apiCalls).sort(([a], [b]) => a.localeCompare(b))) {
    const service = API_CALL_KEY.exec(key)?.[1] ?? '';
    if (service === 'SQS') {
      add('SQS', key, calls, 'request', perMillion(sqs.standardPerMillionRequests, 'requests'));
    } else if (!BILLED_BY_OTHER_QUANTITY.has(service)) {
      unpricedApiCalls[key] = calls * scale;
    }
  }

  add(
    'EventBridge',
    'custom events (PutEvents entries)',
    inputs.eventBridgeEntries,
    'event',
    perMillion(eventBridge.customEventsPerMillion, 'events'),
  );
  if (inputs.eventBridgeBytes !== undefined) {
    add(
      'EventBridge',
      'archive event processing',
      inputs.eventBridgeBytes / BYTES_PER_GB,
      'GB',
      perUnit(eventBridge.archiveProcessingPerGb, 'GB archived'),
    );
  }

  const { writeUnits, readUnits } = inputs.dynamoDb;
  add(
    'DynamoDB',
    'write request units',
    writeUnits,
    'WRU',
    perMillion(dynamoDb.onDemandPerMillionWriteRequestUnits, 'write request units'),
  );
  add(
    'DynamoDB',
    'read request units',
    readUnits,
    'RRU',
    perMillion(dynamoDb.onDemandPerMillionReadRequestUnits, 'read request units'),
  );

  add(
    'CloudWatch Logs',
    'ingestion',
    inputs.logBytes / BYTES_PER_GB,
    'GB',
    perUnit(cloudWatchLogs.ingestionPerGb, 'GB ingested'),
  );

  if (inputs.tracedInvocations !== undefined) {
    add(
      'X-Ray',
      'traces recorded',
      inputs.tracedInvocations,
      'trace',
      perMillion(xRay.perMillionTracesRecorded, 'traces recorded'),
    );
  }

  const byService = Object.fromEntries(SERVICES.map((s) => [s, 0])) as Record<Service, number>;
  for (const line of lines) byService[line.service] += line.usd;

  return {
    totalUsd: sum(lines.map((l) => l.usd)),
    byService,
    lines,
    unpricedApiCalls,
    priceTable: {
      asOf: prices.asOf,
      region: prices.region,
      currency: prices.currency,
      file: prices === DEFAULT_PRICES ? DEFAULT_PRICE_TABLE_FILE : 'supplied by the caller',
    },
    fixedMonthlyUsd: fixedMonthly(prices, options),
  };
}

/** Monthly cost at `ordersPerMonth`: the per-order cost scaled to that volume plus the fixed monthly cost. */
export function costAtVolume(breakdown: CostBreakdown, ordersPerMonth: number): number {
  if (!Number.isFinite(ordersPerMonth) || ordersPerMonth < 0) {
    throw new CostInputError(`ordersPerMonth must be a finite number >= 0, got ${ordersPerMonth}`);
  }
  return (breakdown.totalUsd * ordersPerMonth) / 1_000_000 + breakdown.fixedMonthlyUsd.totalUsd;
}

/**
 * For presentation only: cents from 10 USD up (12.35, 1234.57), 4 significant digits below
 * (5.333, 0.0001235), so small per-order costs keep their digits and large ones their cents.
 */
export function roundUsd(usd: number): number {
  if (!Number.isFinite(usd) || usd === 0) return usd;
  if (Math.abs(usd) >= 10) return Math.round(usd * 100) / 100;
  return Number(usd.toPrecision(4));
}

/** A price as listed (`usd` per `per`) and per single unit of the line's quantity. */
interface ListPrice {
  readonly usd: number;
  readonly per: string;
  readonly unitPriceUsd: number;
}

function perMillion(usd: number, units: string): ListPrice {
  return { usd, per: `1M ${units}`, unitPriceUsd: usd / 1_000_000 };
}

function perUnit(usd: number, per: string): ListPrice {
  return { usd, per, unitPriceUsd: usd };
}

function fixedMonthly(prices: PriceTable, options: CostOptions): FixedMonthlyCost {
  const items: FixedCostItem[] = [];
  const add = (item: string, quantity: number, unit: string, unitPriceUsd: number) =>
    items.push({ item, quantity, unit, unitPriceUsd, usd: quantity * unitPriceUsd });
  if (options.alarms !== undefined) {
    add(
      'CloudWatch standard alarms',
      options.alarms,
      'alarm metric-month',
      prices.cloudWatch.standardAlarmPerMonth,
    );
  }
  if (options.dashboards !== undefined) {
    add('CloudWatch dashboards', options.dashboards, 'dashboard-month', prices.cloudWatch.dashboardPerMonth);
  }
  return { totalUsd: sum(items.map((i) => i.usd)), items };
}

function validateInputs(inputs: CostInputs): void {
  if (!Number.isFinite(inputs.orders) || inputs.orders <= 0) {
    throw new CostInputError(
      `orders must be a finite number > 0 (the orders the run handled), got ${inputs.orders}`,
    );
  }
  const names = new Set<string>();
  inputs.functions.forEach((fn, i) => {
    const at = `functions[${i}]${fn.name ? ` (${fn.name})` : ''}`;
    if (!fn.name) throw new CostInputError(`${at}.name must be a non-empty function name`);
    if (names.has(fn.name)) throw new CostInputError(`${at}: function "${fn.name}" is listed twice`);
    names.add(fn.name);
    if (
      !Number.isInteger(fn.memoryMb) ||
      fn.memoryMb < LAMBDA_MEMORY_MB.min ||
      fn.memoryMb > LAMBDA_MEMORY_MB.max
    ) {
      throw new CostInputError(
        `${at}.memoryMb must be a whole number of MB from ${LAMBDA_MEMORY_MB.min} to ${LAMBDA_MEMORY_MB.max}, got ${fn.memoryMb}`,
      );
    }
    if (fn.architecture !== 'arm64' && fn.architecture !== 'x86_64') {
      throw new CostInputError(`${at}.architecture must be arm64 or x86_64, got ${String(fn.architecture)}`);
    }
    requireWholeCount(fn.invocations, `${at}.invocations`);
    requireWholeCount(
      fn.billedDurationMs,
      `${at}.billedDurationMs (sum of durations each rounded up to 1 ms)`,
    );
    if (fn.billedDurationMs < fn.invocations) {
      throw new CostInputError(
        `${at}.billedDurationMs ${fn.billedDurationMs} is less than its ${fn.invocations} invocations: ` +
          'Lambda bills every invocation at least 1 ms',
      );
    }
  });
  for (const [key, calls] of Object.entries(inputs.apiCalls)) {
    if (!API_CALL_KEY.test(key)) {
      throw new CostInputError(
        `apiCalls key "${key}" must be "Service.Operation", e.g. "SQS.ReceiveMessage"`,
      );
    }
    requireQuantity(calls, `apiCalls["${key}"]`);
  }
  if (inputs.httpApiRequests !== undefined) requireQuantity(inputs.httpApiRequests, 'httpApiRequests');
  requireQuantity(inputs.eventBridgeEntries, 'eventBridgeEntries');
  if (inputs.eventBridgeBytes !== undefined) requireQuantity(inputs.eventBridgeBytes, 'eventBridgeBytes');
  requireQuantity(inputs.dynamoDb.writeUnits, 'dynamoDb.writeUnits');
  requireQuantity(inputs.dynamoDb.readUnits, 'dynamoDb.readUnits');
  requireQuantity(inputs.logBytes, 'logBytes');
  if (inputs.tracedInvocations !== undefined) requireQuantity(inputs.tracedInvocations, 'tracedInvocations');
}

/** Sections of the table that hold prices; the default table is the template of their fields. */
const PRICED_SECTIONS = [
  'apiGateway',
  'lambda',
  'sqs',
  'eventBridge',
  'dynamoDb',
  'cloudWatchLogs',
  'xRay',
  'cloudWatch',
] as const;

/** A custom table must have every price of the default one: a missing field would silently zero a service. */
function validatePrices(prices: PriceTable): void {
  const check = (template: unknown, value: unknown, path: string): void => {
    if (typeof template === 'number') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new CostInputError(`prices.${path} must be a finite price >= 0, got ${String(value)}`);
      }
    } else if (template !== null && typeof template === 'object') {
      for (const [key, t] of Object.entries(template)) {
        check(t, (value as Record<string, unknown> | undefined)?.[key], `${path}.${key}`);
      }
    }
  };
  for (const section of PRICED_SECTIONS) check(DEFAULT_PRICES[section], prices[section], section);
}

function requireQuantity(value: number, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new CostInputError(`${name} must be a finite number >= 0, got ${String(value)}`);
  }
}

function requireWholeCount(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new CostInputError(`${name} must be a whole number >= 0, got ${String(value)}`);
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
