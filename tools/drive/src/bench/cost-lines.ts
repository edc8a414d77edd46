import { API_CALL_KEY, type CostInputs } from './cost-inputs';
import type { PriceTable } from './cost-prices';

/**
 * One pricer per service: what each quantity of a run costs at the table's list prices. The lines are
 * per the run's orders; the caller scales them. Adding a priced quantity is one more pricer here.
 */

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

/** Services whose API calls are billed by another quantity than the call count (entries, capacity units). */
const BILLED_BY_OTHER_QUANTITY: ReadonlySet<string> = new Set(['EventBridge', 'DynamoDB']);

/** A price as listed (`usd` per `per`) and per single unit of the line's quantity. */
export interface ListPrice {
  readonly usd: number;
  readonly per: string;
  readonly unitPriceUsd: number;
}

/** One priced quantity of the run, before scaling to 1M orders. */
export interface RunLine {
  readonly service: Service;
  readonly item: string;
  /** Quantity over the whole run, in `unit`. */
  readonly quantity: number;
  readonly unit: string;
  readonly price: ListPrice;
}

export function perMillion(usd: number, units: string): ListPrice {
  return { usd, per: `1M ${units}`, unitPriceUsd: usd / 1_000_000 };
}

export function perUnit(usd: number, per: string): ListPrice {
  return { usd, per, unitPriceUsd: usd };
}

type Pricer = (inputs: CostInputs, prices: PriceTable) => RunLine[];

const apiGateway: Pricer = (inputs, { apiGateway }) =>
  inputs.httpApiRequests === undefined
    ? []
    : [
        {
          service: 'API Gateway',
          item: 'HTTP API requests',
          quantity: inputs.httpApiRequests,
          unit: 'request',
          price: perMillion(apiGateway.httpApiPerMillionRequests, 'requests'),
        },
      ];

const lambda: Pricer = (inputs, { lambda }) =>
  inputs.functions.flatMap((fn): RunLine[] => [
    {
      service: 'Lambda',
      item: `${fn.name} compute (${fn.architecture}, ${fn.memoryMb} MB)`,
      quantity: (fn.memoryMb / 1024) * (fn.billedDurationMs / 1000),
      unit: 'GB-second',
      price: perUnit(lambda.perGbSecond[fn.architecture], `GB-second (${fn.architecture})`),
    },
    {
      service: 'Lambda',
      item: `${fn.name} requests`,
      quantity: fn.invocations,
      unit: 'request',
      price: perMillion(lambda.perMillionRequests, 'requests'),
    },
  ]);

const sqs: Pricer = (inputs, { sqs }) =>
  sortedApiCalls(inputs)
    .filter(([key]) => serviceOf(key) === 'SQS')
    .map(([key, calls]) => ({
      service: 'SQS',
      item: key,
      quantity: calls,
      unit: 'request',
      price: perMillion(sqs.standardPerMillionRequests, 'requests'),
    }));

const eventBridge: Pricer = (inputs, { eventBridge }) => [
  {
    service: 'EventBridge',
    item: 'custom events (PutEvents entries)',
    quantity: inputs.eventBridgeEntries,
    unit: 'event',
    price: perMillion(eventBridge.customEventsPerMillion, 'events'),
  },
  ...(inputs.eventBridgeBytes === undefined
    ? []
    : [
        {
          service: 'EventBridge' as const,
          item: 'archive event processing',
          quantity: inputs.eventBridgeBytes / BYTES_PER_GB,
          unit: 'GB',
          price: perUnit(eventBridge.archiveProcessingPerGb, 'GB archived'),
        },
      ]),
];

/** One write line and one read line per table, tables in name order, so a report can say where units go. */
const dynamoDb: Pricer = (inputs, { dynamoDb }) =>
  Object.entries(inputs.dynamoDb)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([table, units]): RunLine[] => [
      {
        service: 'DynamoDB',
        item: `${table} write request units`,
        quantity: units.writeUnits,
        unit: 'WRU',
        price: perMillion(dynamoDb.onDemandPerMillionWriteRequestUnits, 'write request units'),
      },
      {
        service: 'DynamoDB',
        item: `${table} read request units`,
        quantity: units.readUnits,
        unit: 'RRU',
        price: perMillion(dynamoDb.onDemandPerMillionReadRequestUnits, 'read request units'),
      },
    ]);

const cloudWatchLogs: Pricer = (inputs, { cloudWatchLogs }) => {
  const price = perUnit(cloudWatchLogs.ingestionPerGb, 'GB ingested');
  const platform = inputs.functions.filter((fn) => fn.platformLogBytesPerInvocation !== undefined);
  return [
    {
      service: 'CloudWatch Logs',
      item: 'ingestion',
      quantity: inputs.logBytes / BYTES_PER_GB,
      unit: 'GB',
      price,
    },
    ...(platform.length === 0
      ? []
      : [
          {
            service: 'CloudWatch Logs' as const,
            item: 'ingestion: Lambda platform lines (start, report)',
            quantity:
              platform.reduce(
                (bytes, fn) => bytes + fn.invocations * (fn.platformLogBytesPerInvocation ?? 0),
                0,
              ) / BYTES_PER_GB,
            unit: 'GB',
            price,
          },
        ]),
  ];
};

const xRay: Pricer = (inputs, { xRay }) =>
  inputs.tracedInvocations === undefined
    ? []
    : [
        {
          service: 'X-Ray',
          item: 'traces recorded',
          quantity: inputs.tracedInvocations,
          unit: 'trace',
          price: perMillion(xRay.perMillionTracesRecorded, 'traces recorded'),
        },
      ];

/** In SERVICES order. */
const PRICERS: readonly Pricer[] = [apiGateway, lambda, sqs, eventBridge, dynamoDb, cloudWatchLogs, xRay];

/** Every priced line of a run. */
export function runLines(inputs: CostInputs, prices: PriceTable): RunLine[] {
  return PRICERS.flatMap((pricer) => pricer(inputs, prices));
}

/** Calls of services no pricer covers, per the run's orders (none expected). */
export function unpricedApiCalls(inputs: CostInputs): Record<string, number> {
  return Object.fromEntries(
    sortedApiCalls(inputs).filter(([key]) => {
      const service = serviceOf(key);
      return service !== 'SQS' && !BILLED_BY_OTHER_QUANTITY.has(service);
    }),
  );
}

function sortedApiCalls(inputs: CostInputs): [string, number][] {
  return Object.entries(inputs.apiCalls).sort(([a], [b]) => a.localeCompare(b));
}

function serviceOf(key: string): string {
  return API_CALL_KEY.exec(key)?.[1] ?? '';
}
