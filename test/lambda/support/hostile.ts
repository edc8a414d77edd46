import fc from 'fast-check';
import { OrderPlaced, type OrderPlacedDetail } from '../../../lambda/contracts';
import { anOrder, detailOf, envelope } from './events';

/**
 * SQS bodies no consumer may accept, each built from a valid OrderPlaced by one mutation that is
 * invalid by construction (so "rejected" is always the right answer), labelled with what it tries.
 */
export interface HostileBody {
  readonly kind: string;
  readonly body: string;
}

function validDetail(): OrderPlacedDetail {
  return detailOf(OrderPlaced, anOrder({ orderId: 'order-hostile' }));
}

function bodyOf(detail: unknown, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify(envelope(OrderPlaced.detailType, detail, overrides));
}

/** Sets `value` at a path such as ['data', 'lines', 0, 'quantity'] of a copy of the valid detail. */
/** The event every hostile body is a mutation of: valid, so each rejection is due to the mutation. */
export function baseBody(): string {
  return bodyOf(validDetail());
}

function withField(path: readonly (string | number)[], value: unknown): unknown {
  const detail = structuredClone(validDetail()) as unknown as Record<string | number, unknown>;
  let target = detail;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  target[path.at(-1) as string | number] = value;
  return detail;
}

function withoutField(path: readonly string[]): unknown {
  const detail = structuredClone(validDetail()) as unknown as Record<string, Record<string, unknown>>;
  const parent = path.length === 1 ? (detail as Record<string, unknown>) : (detail[path[0] as string] ?? {});
  delete parent[path.at(-1) as string];
  return detail;
}

const notAString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
);
const notANumber = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
);
const fractional = fc
  .double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
  .filter((n) => !Number.isInteger(n));
const badQuantity = fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 1001 }), fractional, notANumber);
const badAmount = fc.oneof(
  fc.integer({ max: -1 }),
  fc.nat().map((n) => 100_000_000_001 + n),
  fractional,
  notANumber,
);
const longString = fc.integer({ min: 65, max: 20_000 }).map((n) => 'x'.repeat(n));

const STRING_FIELDS = [
  ['data', 'orderId'],
  ['data', 'customerId'],
  ['data', 'currency'],
  ['data', 'lines', 0, 'productId'],
  ['metadata', 'eventId'],
  ['metadata', 'correlationId'],
  ['metadata', 'idempotencyKey'],
  ['metadata', 'schemaVersion'],
  ['metadata', 'occurredAt'],
] as const;
const REQUIRED_FIELDS = [
  ['metadata'],
  ['data'],
  ...STRING_FIELDS.filter((p) => p.length === 2),
  ['data', 'lines'],
  ['data', 'totalAmount'],
] as const;

export const hostileBody: fc.Arbitrary<HostileBody> = fc.oneof(
  // Truncated JSON: a strict prefix of an object is never valid JSON.
  fc.nat().map((n) => {
    const body = bodyOf(validDetail());
    return { kind: 'malformed JSON', body: body.slice(0, n % body.length) };
  }),
  fc.string().map((s) => ({ kind: 'malformed JSON', body: `{${s}` })),
  fc
    .oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.jsonValue(), { maxLength: 3 }))
    .map((value) => ({ kind: 'JSON that is not an event', body: JSON.stringify(value) })),
  fc
    .string()
    .filter((s) => s !== OrderPlaced.detailType)
    .map((detailType) => ({
      kind: 'unknown detail type',
      body: bodyOf(validDetail(), { 'detail-type': detailType }),
    })),
  fc
    .string()
    .filter((s) => s !== OrderPlaced.source)
    .map((source) => ({ kind: 'foreign source', body: bodyOf(validDetail(), { source }) })),
  fc.constantFrom(...STRING_FIELDS).chain((path) =>
    notAString.map((value) => ({
      kind: `wrong type at ${path.join('.')}`,
      body: bodyOf(withField(path, value)),
    })),
  ),
  fc
    .constantFrom(
      ['data', 'orderId'],
      ['data', 'customerId'],
      ['data', 'lines', 0, 'productId'],
      ['metadata', 'idempotencyKey'],
    )
    .chain((path) =>
      longString.map((value) => ({
        kind: `very long string at ${path.join('.')}`,
        body: bodyOf(withField(path, value)),
      })),
    ),
  badQuantity.map((value) => ({
    kind: 'bad quantity',
    body: bodyOf(withField(['data', 'lines', 0, 'quantity'], value)),
  })),
  fc.constantFrom(['data', 'totalAmount'], ['data', 'lines', 0, 'unitPrice']).chain((path) =>
    badAmount.map((value) => ({
      kind: `bad amount at ${path.join('.')}`,
      body: bodyOf(withField(path, value)),
    })),
  ),
  fc.constant({ kind: 'empty lines', body: bodyOf(withField(['data', 'lines'], [])) }),
  fc.integer({ min: 26, max: 200 }).map((n) => ({
    kind: 'too many lines',
    body: bodyOf(
      withField(
        ['data', 'lines'],
        Array.from({ length: n }, (_, i) => ({ productId: `sku-${i}`, quantity: 1, unitPrice: 1 })),
      ),
    ),
  })),
  fc.constantFrom(...REQUIRED_FIELDS).map((path) => ({
    kind: `missing ${path.join('.')}`,
    body: bodyOf(withoutField(path as readonly string[])),
  })),
  fc.integer({ min: 0, max: 1024 }).map((extra) => ({
    kind: 'oversize payload',
    body: bodyOf({ ...validDetail(), padding: 'p'.repeat(270 * 1024 + extra) }),
  })),
  // Prototype pollution: the required parts are offered only under keys that mean something to a naive merge.
  fc.constantFrom('__proto__', 'constructor', 'prototype').map((key) => {
    const detail = validDetail();
    const smuggled = key === 'constructor' ? { prototype: detail } : detail;
    const body = bodyOf({ placeholder: true }).replace(
      '{"placeholder":true}',
      `{"${key}":${JSON.stringify(smuggled)}}`,
    );
    return { kind: `prototype pollution via ${key}`, body };
  }),
  fc.constantFrom('__proto__', 'constructor').map((key) => {
    const { metadata, data } = validDetail();
    const body = bodyOf({ metadata, placeholder: true }).replace(
      '"placeholder":true',
      `"data":{"${key}":${JSON.stringify(data)}}`,
    );
    return { kind: `prototype pollution of data via ${key}`, body };
  }),
  fc
    .constantFrom(
      { kind: 'correlation id of another order', path: ['metadata', 'correlationId'], value: 'order-other' },
      {
        kind: 'idempotency key of another fact',
        path: ['metadata', 'idempotencyKey'],
        value: 'order-hostile:OrderValidated',
      },
      { kind: 'event id that is not a UUID', path: ['metadata', 'eventId'], value: 'order-hostile' },
      { kind: 'impossible date', path: ['metadata', 'occurredAt'], value: '2025-02-30T09:30:00Z' },
      { kind: 'lowercase currency', path: ['data', 'currency'], value: 'eur' },
    )
    .map(({ kind, path, value }) => ({ kind, body: bodyOf(withField(path, value)) })),
);
