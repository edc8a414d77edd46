import * as z from 'zod';
import PRICES_2026_11_26 from './aws-prices-2026-11-26.json';
import { ARCHITECTURES, parseOrThrow } from './cost-inputs';

/**
 * The shape of tools/drive/src/bench/aws-prices-<date>.json as a zod schema. Prices are in `currency`, per the unit in
 * each name. Strict: a table without a price the model uses would silently zero a service, and one with
 * a price the model does not know would silently leave it out.
 */

const PRICE = 'must be a finite price >= 0';
const price = z.number({ error: PRICE }).min(0, { error: PRICE });
const bytes = z.int({ error: 'must be a whole number of bytes > 0' }).positive({
  error: 'must be a whole number of bytes > 0',
});

export const priceTableSchema = z.strictObject({
  asOf: z.iso.date({ error: 'must be a date, YYYY-MM-DD' }),
  region: z.string().min(1, { error: 'must be an AWS region' }),
  currency: z.string().regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 code, e.g. USD' }),
  /** Pricing page per service. */
  sources: z.record(z.string(), z.url({ protocol: /^https$/, error: 'must be an https URL' })),
  lambda: z.strictObject({
    perGbSecond: z.strictObject(
      Object.fromEntries(ARCHITECTURES.map((a) => [a, price])) as {
        [A in (typeof ARCHITECTURES)[number]]: typeof price;
      },
    ),
    perMillionRequests: price,
  }),
  sqs: z.strictObject({ standardPerMillionRequests: price, requestChunkBytes: bytes }),
  eventBridge: z.strictObject({
    customEventsPerMillion: price,
    eventChunkBytes: bytes,
    archiveProcessingPerGb: price,
    archiveStoragePerGbMonth: price,
  }),
  dynamoDb: z.strictObject({
    onDemandPerMillionWriteRequestUnits: price,
    onDemandPerMillionReadRequestUnits: price,
    storagePerGbMonth: price,
    pitrPerGbMonth: price,
  }),
  apiGateway: z.strictObject({ httpApiPerMillionRequests: price, httpApiRequestChunkBytes: bytes }),
  cloudWatchLogs: z.strictObject({ ingestionPerGb: price }),
  xRay: z.strictObject({ perMillionTracesRecorded: price }),
  cloudWatch: z.strictObject({ standardAlarmPerMonth: price, dashboardPerMonth: price }),
  /** What the prices include and exclude. */
  notes: z.array(z.string()).min(1, { error: 'must say what the prices include and exclude' }),
});
export type PriceTable = z.infer<typeof priceTableSchema>;

/** A price table as the cost model uses it, or a CostInputError naming every bad field. */
export function parsePriceTable(value: unknown): PriceTable {
  return parseOrThrow(priceTableSchema, value, 'prices');
}

/** Checked when the module loads: a broken table in the repository fails every run and test at once. */
export const DEFAULT_PRICES: PriceTable = parsePriceTable(PRICES_2026_11_26);
/** Path of DEFAULT_PRICES from the project root, for reports. */
export const DEFAULT_PRICE_TABLE_FILE = 'tools/drive/src/bench/aws-prices-2026-11-26.json';
