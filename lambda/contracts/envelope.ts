import * as z from '../shared/zod';

/**
 * Who states which fact. The client places orders; each step states the outcomes of its own work. Each
 * producer has its own `source`, so rules, IAM conditions and the bus policy can tell a fact from a
 * forgery by its source (docs/security.md).
 */
export const PRODUCERS = [
  'client',
  'validate-order',
  'reserve-stock',
  'take-payment',
  'release-stock',
  'fulfil-order',
] as const;
export type Producer = (typeof PRODUCERS)[number];

/** The producers inside the pipeline: only the function of that name may put events with their source. */
export type PipelineProducer = Exclude<Producer, 'client'>;

/** The `source` a producer's events carry on the bus. */
export function sourceOf(producer: Producer): string {
  return `orders.${producer}`;
}

/** The source of OrderPlaced: what a client is granted (`PipelineStack.grantPlaceOrders`). */
export const CLIENT_SOURCE = sourceOf('client');

/**
 * House limit for one event entry. EventBridge accepts 1 MB, but events are stored with
 * order state in DynamoDB (400 KB item limit), so we stay well below it.
 */
export const MAX_EVENT_BYTES = 256 * 1024;

/** Identifiers are opaque, bounded, and safe to log. */
export const identifier = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'letters, digits and _ . : - only'),
  );

/** Amounts are integers in minor units (cents): floats never carry money. */
export const minorUnits = z
  .int()
  .check(z.nonnegative(), z.maximum(1_000_000_000_00), z.refine(Number.isSafeInteger));

export const currency = z.string().check(z.regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'));

export const orderLine = z.object({
  productId: identifier,
  quantity: z.int().check(z.minimum(1), z.maximum(1000)),
  unitPrice: minorUnits,
});
export type OrderLine = z.infer<typeof orderLine>;

/** At most 25 lines: reserving stock is one DynamoDB transaction (100 items at most). */
export const MAX_ORDER_LINES = 25;
export const orderLines = z.array(orderLine).check(z.minLength(1), z.maxLength(MAX_ORDER_LINES));

export const metadata = z.object({
  /** Unique per published event; a producer retry of the same fact keeps it. */
  eventId: z.uuid(),
  /** The order id: follows the order through every step. */
  correlationId: identifier,
  /** The event id of the event this one answers, absent for OrderPlaced. */
  causationId: z.optional(z.uuid()),
  /** Business key consumers deduplicate on: `<orderId>:<detail-type>`. */
  idempotencyKey: z.string().check(z.minLength(1), z.maxLength(160)),
  schemaVersion: z.string().check(z.regex(/^\d+$/)),
  occurredAt: z.iso.datetime({ offset: true }),
});
export type EventMetadata = z.infer<typeof metadata>;

/** Every detail is `{ metadata, data }`, so routing, tracing and deduplication read the same fields. */
export function detailSchema<T extends z.ZodMiniType>(data: T) {
  return z.object({ metadata, data });
}

export interface EventContract<DT extends string = string, S extends z.ZodMiniType = z.ZodMiniType> {
  readonly detailType: DT;
  readonly schemaVersion: string;
  readonly description: string;
  /** Who publishes it: the only producer whose events of this type any consumer accepts. */
  readonly producer: Producer;
  /** The `source` of its producer (`sourceOf(producer)`). */
  readonly source: string;
  /** Schema of the `data` part of the detail. */
  readonly data: S;
  /** Schema of the whole detail (`{ metadata, data }`). */
  readonly detail: z.ZodMiniObject<{ metadata: typeof metadata; data: S }>;
}

/**
 * A contract's schemas are built the first time `data` or `detail` is read, then kept. Every function
 * loads the whole catalogue (routing, sources, the outbox's fields) but parses and builds only a few of
 * its events, and building zod schemas was the largest part of a function's cold start beyond the AWS SDK
 * (`npm run bench:bundles`, README "Bundles"): a function now builds the schemas of the events it reads
 * and sends, when it first reads or sends one.
 */
export function defineEvent<DT extends string, S extends z.ZodMiniType>(spec: {
  detailType: DT;
  schemaVersion: string;
  description: string;
  producer: Producer;
  /** Builds the schema of the `data` part; called once, on first use. */
  data: () => S;
}): EventContract<DT, S> {
  const { data: buildData, ...fields } = spec;
  let data: S | undefined;
  let detail: EventContract<DT, S>['detail'] | undefined;
  const dataSchema = (): S => {
    data ??= buildData();
    return data;
  };
  return {
    ...fields,
    source: sourceOf(spec.producer),
    get data() {
      return dataSchema();
    },
    get detail() {
      detail ??= detailSchema(dataSchema());
      return detail;
    },
  };
}

export type DetailOf<C extends EventContract> = z.infer<C['detail']>;
export type DataOf<C extends EventContract> = z.infer<C['data']>;

/** The idempotency key of the fact `detailType` about `orderId`: one such fact per order. */
export function idempotencyKeyFor(orderId: string, detailType: string): string {
  return `${orderId}:${detailType}`;
}
