import type {
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2WithRequestContext,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { identifier } from '../contracts';
import {
  type ApiAuthorizationType,
  IDEMPOTENCY_KEY_HEADER,
  idempotencyKey,
  MAX_ORDER_REQUEST_BYTES,
  PROBLEM_CONTENT_TYPE,
  PROBLEMS,
  type ProblemDetails,
  type ProblemKind,
  problemType,
} from '../contracts/order-api';
import { EventTooLargeError, InvalidEventError, type SchemaIssue, schemaIssues } from '../domain/errors';
import type { Logger } from '../domain/ports';
import * as z from '../shared/zod';

/**
 * The HTTP side of the API's functions: API Gateway HTTP API events (payload format 2.0) in, problem
 * details (RFC 9457) or JSON out. Nothing here knows about orders beyond their schemas.
 */

/** An HTTP API event; the authorizer's part is parsed (`callerOf`), never trusted as typed. */
export type HttpApiEvent = APIGatewayProxyEventV2WithRequestContext<
  APIGatewayEventRequestContextV2 & { readonly authorizer?: unknown }
>;
export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

/** A request the function answers with a problem instead of going on. */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly errors?: readonly SchemaIssue[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${kind}: ${detail}`);
  }
}

// Answers are about one caller's orders: no shared cache may keep them.
const NO_STORE = { 'Cache-Control': 'no-store' };

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', ...NO_STORE, ...headers },
    body: JSON.stringify(body),
  };
}

export function problemResponse(problem: ProblemError): HttpResponse {
  const { status, title } = PROBLEMS[problem.kind];
  const body: ProblemDetails = {
    type: problemType(problem.kind),
    title,
    status,
    detail: problem.detail,
    ...(problem.errors === undefined ? {} : { errors: [...problem.errors] }),
  };
  return {
    statusCode: status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, ...NO_STORE, ...problem.headers },
    body: JSON.stringify(body),
  };
}

/** A header's value. API Gateway lowercases header names in payload format 2.0; this does not rely on it. */
export function headerOf(event: Pick<HttpApiEvent, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** Who calls, as the API's authorizer established it. */
export interface Caller {
  /**
   * Stable across the caller's requests: `jwt:<issuer>|<subject>` or `iam:<principal ARN>`. Orders are
   * owned by it and their ids derived from it.
   */
  readonly id: string;
  readonly authorization: ApiAuthorizationType;
  /** The token subject (JWT only): the customer. */
  readonly subject?: string;
}

const nonEmpty = z.string().check(z.minLength(1));
const jwtContext = z.object({
  jwt: z.looseObject({ claims: z.looseObject({ iss: nonEmpty, sub: nonEmpty }) }),
});
const iamContext = z.object({
  iam: z
    .looseObject({ userArn: z.optional(nonEmpty), callerId: z.optional(nonEmpty) })
    .check(z.refine((iam) => iam.userArn !== undefined || iam.callerId !== undefined)),
});

/**
 * The principal an IAM caller stands for. An assumed role's ARN ends in its session name, which changes
 * with every task or instance of the same backend; a retry from another instance must still be the
 * same caller, so the session is dropped and the role identifies the caller.
 */
export function iamPrincipal(userArn: string): string {
  const assumed = /^(arn:[^:]+:sts::\d{12}:assumed-role\/[^/]+)\/.+$/.exec(userArn);
  return assumed?.[1] ?? userArn;
}

/**
 * The caller of a request, from the authorizer context of the type the stage configures. API Gateway
 * refuses unauthenticated requests before the function runs; a request without that context means a
 * route without its authorizer, and is refused here too.
 */
export function callerOf(event: HttpApiEvent, authorization: ApiAuthorizationType): Caller {
  const authorizer = event.requestContext.authorizer;
  if (authorization === 'jwt') {
    const parsed = jwtContext.safeParse(authorizer);
    if (parsed.success) {
      const { iss, sub } = parsed.data.jwt.claims;
      return { id: `jwt:${iss}|${sub}`, authorization, subject: sub };
    }
  } else {
    const parsed = iamContext.safeParse(authorizer);
    if (parsed.success) {
      const { userArn, callerId } = parsed.data.iam;
      return { id: `iam:${userArn === undefined ? callerId : iamPrincipal(userArn)}`, authorization };
    }
  }
  throw new ProblemError(
    'not-authenticated',
    `the request carries no ${authorization.toUpperCase()} identity`,
  );
}

/** The customer of a JWT caller: the token subject, if it fits the contract's identifiers. */
export function customerOf(caller: Caller): string {
  const parsed = identifier.safeParse(caller.subject);
  if (!parsed.success) {
    throw new ProblemError(
      'subject-not-usable',
      'the token subject must be 1-64 letters, digits and _ . : - (it becomes the customer id)',
    );
  }
  return parsed.data;
}

/** The Idempotency-Key header, bare or as the draft's structured-field string (`"..."`). */
export function idempotencyKeyOf(event: HttpApiEvent): string {
  const raw = headerOf(event, IDEMPOTENCY_KEY_HEADER)?.trim();
  if (raw === undefined || raw === '') {
    throw new ProblemError(
      'invalid-idempotency-key',
      `send an ${IDEMPOTENCY_KEY_HEADER} header, one new key per order (a UUID), the same key on every retry`,
    );
  }
  const unquoted = /^"(.*)"$/.exec(raw)?.[1] ?? raw;
  const parsed = idempotencyKey.safeParse(unquoted);
  if (!parsed.success) {
    throw new ProblemError(
      'invalid-idempotency-key',
      `${IDEMPOTENCY_KEY_HEADER} must be 1-128 letters, digits and _ . : ~ -`,
    );
  }
  return parsed.data;
}

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

/**
 * The body parsed with `schema`: JSON (415 otherwise), at most MAX_ORDER_REQUEST_BYTES (413), and valid
 * (400, naming the paths and rules it broke, never the values).
 */
export function jsonBodyOf<S extends z.ZodMiniType>(event: HttpApiEvent, schema: S): z.output<S> {
  const mediaType = headerOf(event, 'Content-Type')?.split(';')[0]?.trim() ?? '';
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    throw new ProblemError('unsupported-media-type', 'send the order as Content-Type: application/json');
  }
  const bytes = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length > MAX_ORDER_REQUEST_BYTES) {
    throw new ProblemError(
      'body-too-large',
      `the body has ${bytes.length} bytes; an order is at most ${MAX_ORDER_REQUEST_BYTES} bytes`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ProblemError('invalid-body', 'the body is not valid JSON', [
      { path: '(root)', code: 'invalid_json' },
    ]);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const errors = fieldIssues(parsed.error);
    throw new ProblemError(
      'invalid-body',
      `the body breaks the order schema at ${errors.length} place(s)`,
      errors,
    );
  }
  return parsed.data;
}

/** Issues by field; an unknown field is named (a name is not a value), so a typo is easy to find. */
function fieldIssues(error: z.core.$ZodError): SchemaIssue[] {
  return error.issues.flatMap((issue) => {
    const [generic] = schemaIssues({ issues: [issue] });
    if (issue.code !== 'unrecognized_keys') return generic === undefined ? [] : [generic];
    const at = issue.path.map(String);
    return issue.keys.map((key) => ({ path: [...at, key].join('.'), code: issue.code }));
  });
}

/**
 * Runs the work of a request and answers every failure with a problem: the caller's mistakes with
 * their 4xx, a bug with 500, and anything else (DynamoDB or EventBridge failed after the SDK's retries)
 * with 503, which a client may retry with the same Idempotency-Key. Never throws: a thrown error would
 * reach the client as API Gateway's bare 500.
 */
export async function respond(
  logger: Logger,
  work: () => Promise<HttpResponse>,
  classify: (error: unknown) => ProblemError | undefined = () => undefined,
): Promise<HttpResponse> {
  try {
    return await work();
  } catch (error) {
    const problem = error instanceof ProblemError ? error : (classify(error) ?? unexpected(error));
    const { status } = PROBLEMS[problem.kind];
    if (status >= 500) logger.error('request failed', { problem: problem.kind }, { error });
    else logger.info('request refused', { problem: problem.kind });
    return problemResponse(problem);
  }
}

function unexpected(error: unknown): ProblemError {
  if (error instanceof InvalidEventError || error instanceof EventTooLargeError) {
    return new ProblemError(
      'internal-error',
      'the request could not be processed; do not retry it unchanged',
    );
  }
  return new ProblemError(
    'dependency-failed',
    'a service the API depends on failed; retry with the same Idempotency-Key, the order is placed at most once',
    undefined,
    { 'Retry-After': '1' },
  );
}
