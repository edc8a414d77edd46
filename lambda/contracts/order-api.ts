import * as z from '../shared/zod';
import { identifier, MAX_ORDER_LINES } from './envelope';
import { orderSummary } from './order-summary';

/**
 * The HTTP API in front of the pipeline (docs/openapi.yaml is generated from this module): its paths,
 * headers, request and response bodies and problem types. The request body is the OrderPlaced data
 * without what the API decides itself (the order id, and with JWT authorization the customer), so the
 * API and the event can never disagree on what an order is.
 */

export const ORDERS_PATH = '/orders';
export const ORDER_PATH = '/orders/{orderId}';

export { API_AUTHORIZATION_TYPES, type ApiAuthorizationType } from './api-authorization';

/** Where an order is in the flow. ACCEPTED: placed through the API, not yet validated. */
export const ORDER_STATUSES = [
  'ACCEPTED',
  'VALIDATED',
  'REJECTED',
  'RESERVED',
  'PAID',
  'PAYMENT_FAILED',
  'CANCELLED',
  'FULFILLED',
] as const;
export const orderStatus = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof orderStatus>;

/** The header of the IETF draft "The Idempotency-Key HTTP Header Field". */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/**
 * 1-128 characters that need no escaping in a header, a log line or a DynamoDB key: a UUID, a ULID or
 * a client's own request id fit. The draft sends the key as a structured-field string (`"..."`);
 * the quotes are optional here (`idempotencyKeyOf`).
 */
export const idempotencyKey = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(/^[A-Za-z0-9_.:~-]+$/, 'letters, digits and _ . : ~ - only'),
  )
  .register(z.globalRegistry, {
    description: 'A key the client generates once per order (a UUID); a retry sends the same key.',
    example: '4f9c2e1a-6b1d-4c55-9a3e-0d2f7e8b9c10',
  });

/**
 * The largest request body accepted. The largest valid order (MAX_ORDER_LINES lines with 64-character
 * product ids and the largest amounts) is about 3.5 KB of compact JSON; 16 KiB leaves room for
 * pretty-printing and stays far below the event limit (MAX_EVENT_BYTES), so a body that passes this
 * check can never make an oversize event.
 */
export const MAX_ORDER_REQUEST_BYTES = 16 * 1024;

/** `POST /orders` with IAM authorization: a storefront backend names the customer it acts for. */
export const placeOrderRequest = z
  .strictObject(z.omit(orderSummary, { orderId: true }).shape)
  .register(z.globalRegistry, {
    description: `An order of 1 to ${MAX_ORDER_LINES} lines; amounts in minor units.`,
  });
export type PlaceOrderRequest = z.infer<typeof placeOrderRequest>;

/** `POST /orders` with JWT authorization: the customer is the token's subject, never a body field. */
export const placeOwnOrderRequest = z.strictObject(z.omit(placeOrderRequest, { customerId: true }).shape);
export type PlaceOwnOrderRequest = z.infer<typeof placeOwnOrderRequest>;

/** What the OpenAPI document shows: one body, `customerId` required with IAM and refused with JWT. */
export const placeOrderRequestDocument = z
  .strictObject(
    z.extend(placeOrderRequest, {
      customerId: z.optional(identifier).register(z.globalRegistry, {
        description:
          'The customer the order is for. Required with IAM authorization; must be absent with JWT ' +
          'authorization, where the customer is the token subject (`sub`).',
      }),
    }).shape,
  )
  .register(z.globalRegistry, { description: z.globalRegistry.get(placeOrderRequest)?.description });

/** `202` to `POST /orders`; `Location` names the order. */
export const orderAccepted = z.object({ orderId: identifier, status: orderStatus });
export type OrderAccepted = z.infer<typeof orderAccepted>;

/** `GET /orders/{orderId}`. */
export const orderStatusView = z.object({
  orderId: identifier,
  status: orderStatus,
  /** Every status the order went through, oldest first. */
  history: z
    .array(z.object({ status: orderStatus, at: z.iso.datetime({ offset: true }) }))
    .check(z.minLength(1)),
  /** Why it was rejected or cancelled; only then. */
  reason: z.optional(z.string()),
});
export type OrderStatusView = z.infer<typeof orderStatusView>;

/**
 * Base of the problem `type` URIs. RFC 9457: a type is a stable identifier that clients may switch on;
 * it need not resolve. Copies of this architecture replace the host with one they own, where each
 * `#<kind>` can document its problem.
 */
export const PROBLEM_TYPE_BASE = 'https://order-pipeline.example.com/problems';

/** Every problem the functions answer with, by kind: status and title never vary for a kind. */
export const PROBLEMS = {
  'invalid-body': { status: 400, title: 'The request body is not a valid order' },
  'invalid-idempotency-key': { status: 400, title: 'The Idempotency-Key header is missing or invalid' },
  'not-authenticated': { status: 401, title: 'The request carries no identity' },
  'subject-not-usable': { status: 403, title: 'The token subject cannot name a customer' },
  'order-not-found': { status: 404, title: 'No such order' },
  'body-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'The request body must be JSON' },
  'idempotency-key-reused': {
    status: 422,
    title: 'The Idempotency-Key was already used with another request body',
  },
  'internal-error': { status: 500, title: 'The request failed unexpectedly' },
  'dependency-failed': { status: 503, title: 'A service the API depends on failed' },
} as const satisfies Record<string, { status: number; title: string }>;
export type ProblemKind = keyof typeof PROBLEMS;

export function problemType(kind: ProblemKind): string {
  return `${PROBLEM_TYPE_BASE}#${kind}`;
}

/** Where a body broke its schema and which rule it broke; never the value. */
export const fieldIssue = z.object({ path: z.string(), code: z.string() });

/** RFC 9457 problem details (`application/problem+json`). */
export const problemDetails = z.object({
  type: z.url(),
  title: z.string(),
  status: z.int().check(z.minimum(400), z.maximum(599)),
  detail: z.string(),
  /** The invalid fields of a `invalid-body` problem. */
  errors: z.optional(z.array(fieldIssue)),
});
export type ProblemDetails = z.infer<typeof problemDetails>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
