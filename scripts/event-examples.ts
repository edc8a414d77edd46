import { createHash } from 'node:crypto';
import {
  type AnyContract,
  type DataOf,
  type DetailType,
  EVENT_CONTRACTS,
  type EventContract,
  type EventMetadata,
  idempotencyKeyFor,
  type OrderLine,
  type OrderSummary,
} from '../lambda/contracts';

/**
 * One realistic, deterministic example detail per event. The event catalogue (docs/events.md) shows
 * them and the contract tests parse them, so the documented example and the tested one are the same.
 * Typed against each contract's inferred data type: adding a contract without an example, or an
 * example that no longer matches its type, fails `tsc`.
 */

type ContractOf<K extends DetailType> = Extract<AnyContract, { detailType: K }>;

interface ExampleSpec<K extends DetailType> {
  /** The event this one answers; its id becomes `causationId`. Absent for the entry event. */
  readonly causedBy?: DetailType;
  readonly data: DataOf<ContractOf<K>>;
}

type ExampleSpecs = { readonly [K in DetailType]: ExampleSpec<K> };

/** Fixed so the generated docs do not change from run to run. */
const FLOW_STARTED_AT = Date.UTC(2025, 5, 2, 9, 30, 0);

/** Each step of the example flow happens this long after the event it answers. */
const STEP_DELAY_MS = 1_250;

function totalOf(lines: readonly OrderLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
}

function summary(orderId: string, customerId: string, lines: OrderLine[]): OrderSummary {
  return { orderId, customerId, lines, currency: 'EUR', totalAmount: totalOf(lines) };
}

// One order per outcome, so every example tells a story that could really happen.
const FULFILLED_ORDER = summary('ord-1001', 'cus-0042', [
  { productId: 'sku-espresso-250g', quantity: 2, unitPrice: 1_250 },
  { productId: 'sku-grinder-c2', quantity: 1, unitPrice: 8_900 },
]);
const REJECTED_ORDER_ID = 'ord-1002';
const OUT_OF_STOCK_ORDER_ID = 'ord-1003';
const DECLINED_ORDER = summary('ord-1004', 'cus-0077', [
  { productId: 'sku-kettle-gooseneck', quantity: 1, unitPrice: 6_400 },
]);

const EXAMPLE_SPECS: ExampleSpecs = {
  OrderPlaced: { data: FULFILLED_ORDER },
  OrderValidated: { causedBy: 'OrderPlaced', data: FULFILLED_ORDER },
  OrderRejected: {
    causedBy: 'OrderPlaced',
    data: {
      orderId: REJECTED_ORDER_ID,
      customerId: 'cus-0051',
      reasons: ['currency XYZ is not accepted', 'total 1250000 is above the maximum 1000000'],
    },
  },
  StockReserved: { causedBy: 'OrderValidated', data: FULFILLED_ORDER },
  OutOfStock: {
    causedBy: 'OrderValidated',
    data: {
      orderId: OUT_OF_STOCK_ORDER_ID,
      customerId: 'cus-0063',
      unavailable: [{ productId: 'sku-grinder-c2', requested: 3, available: 1 }],
    },
  },
  PaymentSucceeded: { causedBy: 'StockReserved', data: { ...FULFILLED_ORDER, paymentId: 'pay-7f3a9c' } },
  PaymentFailed: { causedBy: 'StockReserved', data: { ...DECLINED_ORDER, reason: 'card declined' } },
  OrderCancelled: {
    causedBy: 'PaymentFailed',
    data: {
      orderId: DECLINED_ORDER.orderId,
      customerId: DECLINED_ORDER.customerId,
      reason: 'PAYMENT_DECLINED',
      lines: DECLINED_ORDER.lines,
    },
  },
  OrderFulfilled: {
    causedBy: 'PaymentSucceeded',
    data: { ...FULFILLED_ORDER, fulfilmentId: 'ful-20250602-0001' },
  },
};

/**
 * A name-based UUID (version 5 layout over SHA-1), so the example event ids are valid for
 * `z.uuid()` yet identical on every run. The example of an event and the `causationId` of the
 * events answering it derive the same id from the same name.
 */
export function deterministicUuid(name: string): string {
  const bytes = createHash('sha1').update(`orders.pipeline/examples/${name}`).digest().subarray(0, 16);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x50, 6);
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function exampleEventId(orderId: string, detailType: DetailType): string {
  return deterministicUuid(`${orderId}/${detailType}`);
}

function specOf(detailType: DetailType): ExampleSpec<DetailType> {
  // The mapped type guarantees a spec per detail type; the cast only widens the key.
  return EXAMPLE_SPECS[detailType] as ExampleSpec<DetailType>;
}

/** Steps from the entry event, so each example happens after the event it answers. */
function depthOf(detailType: DetailType): number {
  const cause = specOf(detailType).causedBy;
  return cause === undefined ? 0 : depthOf(cause) + 1;
}

function isDetailType(value: string): value is DetailType {
  return Object.hasOwn(EXAMPLE_SPECS, value);
}

/** The example detail (`{ metadata, data }`) of a contract, identical on every call. */
export function exampleDetail(contract: EventContract): { metadata: EventMetadata; data: unknown } {
  const { detailType } = contract;
  if (!isDetailType(detailType)) {
    throw new Error(`no example for ${detailType}: add one to EXAMPLE_SPECS in scripts/event-examples.ts`);
  }
  const spec = specOf(detailType);
  const orderId = spec.data.orderId;
  const metadata: EventMetadata = {
    eventId: exampleEventId(orderId, detailType),
    correlationId: orderId,
    ...(spec.causedBy === undefined ? {} : { causationId: exampleEventId(orderId, spec.causedBy) }),
    idempotencyKey: idempotencyKeyFor(orderId, detailType),
    schemaVersion: contract.schemaVersion,
    occurredAt: new Date(FLOW_STARTED_AT + depthOf(detailType) * STEP_DELAY_MS).toISOString(),
  };
  // A structured clone, so a caller that mutates its example (the contract tests do) cannot alter another's.
  return structuredClone({ metadata, data: spec.data });
}

export interface ContractExample {
  readonly contract: AnyContract;
  readonly detail: ReturnType<typeof exampleDetail>;
  /** The detail type of the event this example answers (its `causationId`); absent for the entry event. */
  readonly causedBy?: DetailType;
}

/** Every contract with its example, in flow order. */
export function allExamples(): ContractExample[] {
  return EVENT_CONTRACTS.map((contract) => {
    const { causedBy } = specOf(contract.detailType);
    return { contract, detail: exampleDetail(contract), ...(causedBy === undefined ? {} : { causedBy }) };
  });
}
