import * as z from 'zod';

/**
 * What the cost model prices, as zod schemas: the quantities one measured run counted, and the options
 * that add fixed monthly costs. Every bad value is refused with its path and what it must be, before
 * anything is priced: a missing or negative quantity would silently shrink the cost.
 */

export const ARCHITECTURES = ['arm64', 'x86_64'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** Lambda's configurable memory range, in MB. */
export const LAMBDA_MEMORY_MB = { min: 128, max: 10_240 } as const;

/** "Service.Operation", e.g. "SQS.ReceiveMessage". */
export const API_CALL_KEY = /^([A-Za-z0-9-]+)\.([A-Za-z0-9]+)$/;

/** A cost input that cannot describe a run: says which field and what it must be. */
export class CostInputError extends Error {
  override readonly name = 'CostInputError';
}

const QUANTITY = 'must be a finite number >= 0';
const WHOLE = 'must be a whole number >= 0';

/** Anything counted or measured: a finite number >= 0 (zod numbers refuse NaN and infinities). */
const quantity = z.number({ error: QUANTITY }).min(0, { error: QUANTITY });
const wholeCount = z.int({ error: WHOLE }).min(0, { error: WHOLE });

export const functionUsageSchema = z
  .strictObject({
    name: z.string({ error: 'must be a non-empty function name' }).min(1, {
      error: 'must be a non-empty function name',
    }),
    memoryMb: z
      .int({ error: memoryError() })
      .min(LAMBDA_MEMORY_MB.min, { error: memoryError() })
      .max(LAMBDA_MEMORY_MB.max, { error: memoryError() }),
    architecture: z.enum(ARCHITECTURES, { error: `must be ${ARCHITECTURES.join(' or ')}` }),
    invocations: wholeCount,
    /**
     * Sum over invocations of each one's duration rounded UP to 1 ms, as Lambda bills it. Include the
     * INIT duration of cold starts: billed for on-demand managed runtimes since 1 August 2025.
     */
    billedDurationMs: z
      .int({ error: `(sum of durations each rounded up to 1 ms) ${WHOLE}` })
      .min(0, { error: `(sum of durations each rounded up to 1 ms) ${WHOLE}` }),
    /**
     * Bytes Lambda itself logs per invocation (platform start and report lines,
     * bench/platform-logs.ts), billed like the function's own. Absent: not priced.
     */
    platformLogBytesPerInvocation: quantity.optional(),
  })
  .superRefine((fn, ctx) => {
    if (fn.billedDurationMs < fn.invocations) {
      ctx.addIssue({
        code: 'custom',
        path: ['billedDurationMs'],
        message: `${fn.billedDurationMs} is less than its ${fn.invocations} invocations: Lambda bills every invocation at least 1 ms`,
      });
    }
  });
export type FunctionUsage = z.infer<typeof functionUsageSchema>;

/** Consumed capacity of one table: a transactional write counts 2 WRU per KB, an eventually consistent read 0.5 RRU per 4 KB. */
export const tableUsageSchema = z.strictObject(
  { writeUnits: quantity, readUnits: quantity },
  { error: 'must be one table’s { writeUnits, readUnits }' },
);
export type TableUsage = z.infer<typeof tableUsageSchema>;

/**
 * The quantities of one run. A new priced quantity is one more field here and one more pricer in
 * bench/cost-lines.ts; optional fields leave older callers valid.
 */
export const costInputsSchema = z.strictObject({
  /** Orders the measured run handled; every other quantity is per this many orders. */
  orders: z
    .number({ error: 'must be a finite number > 0 (the orders the run handled)' })
    .positive({ error: 'must be a finite number > 0 (the orders the run handled)' }),
  functions: z.array(functionUsageSchema).superRefine((functions, ctx) => {
    const seen = new Set<string>();
    functions.forEach((fn, i) => {
      if (seen.has(fn.name)) {
        ctx.addIssue({ code: 'custom', path: [i], message: `: function "${fn.name}" is listed twice` });
      }
      seen.add(fn.name);
    });
  }),
  /**
   * "Service.Operation" -> requests, e.g. "SQS.ReceiveMessage", "EventBridge.PutEvents",
   * "DynamoDB.UpdateItem". Every "SQS.*" call is billed as one request (a batch of up to 10 messages
   * is one call; every payload here is under 64 KB), including EventBridge's SendMessage to each
   * target queue. EventBridge and DynamoDB calls are billed by `eventBridgeEntries` and `dynamoDb`
   * instead; calls of any other service are returned as `unpricedApiCalls`.
   */
  apiCalls: z.record(
    z.string().regex(API_CALL_KEY, { error: 'must be "Service.Operation", e.g. "SQS.ReceiveMessage"' }),
    quantity,
  ),
  /**
   * HTTP API requests (each <= 512 KB with its answer here), every route and answer counted, a client's
   * retries included. Absent: API Gateway not priced.
   */
  httpApiRequests: quantity.optional(),
  /** PutEvents entries (each <= 64 KB here): what EventBridge bills, not the PutEvents call count. */
  eventBridgeEntries: quantity,
  /** Bytes of events put on the bus, which archives every event. Absent: archive not priced. */
  eventBridgeBytes: quantity.optional(),
  /**
   * Consumed capacity by table (its logical name: orders, inventory, analytics, idempotency, ...), so a
   * report can tell which table a write unit went to. Every table is priced alike (on-demand).
   */
  dynamoDb: z.record(z.string().min(1, { error: 'must be a table name' }), tableUsageSchema),
  /** Bytes the functions' code logged; Lambda's own lines are each function's `platformLogBytesPerInvocation`. */
  logBytes: quantity,
  /** X-Ray traces recorded; the caller applies the sampling rate. Absent: X-Ray not priced. */
  tracedInvocations: quantity.optional(),
});
export type CostInputs = z.infer<typeof costInputsSchema>;

export const costOptionsSchema = z.strictObject({
  /** Standard-resolution alarm metrics of the stage. Absent: no alarm cost. */
  alarms: wholeCount.optional(),
  /** CloudWatch dashboards of the stage. Absent: no dashboard cost. */
  dashboards: wholeCount.optional(),
});

/**
 * `value` as `schema` parses it, or a CostInputError naming every bad field under `root`, e.g.
 * `functions[0].memoryMb must be a whole number of MB from 128 to 10240, got 64`.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, root = ''): z.infer<S> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw new CostInputError(parsed.error.issues.flatMap((issue) => describeIssue(issue, root)).join('; '));
}

function describeIssue(issue: z.core.$ZodIssue, root: string): string[] {
  const at = pathOf(root, issue.path);
  switch (issue.code) {
    case 'invalid_key': {
      // A record key: the key's own issues say what it must be.
      const record = pathOf(root, issue.path.slice(0, -1));
      return issue.issues.map((inner) => `key ${formatted(issue.input)} of ${record} ${inner.message}`);
    }
    case 'unrecognized_keys':
      return [
        `${at || 'the input'} has unknown field(s) ${issue.keys.join(', ')}: a typo, or a price not modelled`,
      ];
    case 'custom':
      return [`${at}${issue.message.startsWith(':') ? '' : ' '}${issue.message}`];
    default: {
      // A type zod names itself ("Invalid input: expected object, ..."): say what was expected instead.
      const message =
        issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')
          ? `must be ${issue.expected === 'object' ? 'an object' : issue.expected}`
          : issue.message;
      return [`${at} ${message}, got ${formatted(issue.input)}`];
    }
  }
}

function pathOf(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

function formatted(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function memoryError(): string {
  return `must be a whole number of MB from ${LAMBDA_MEMORY_MB.min} to ${LAMBDA_MEMORY_MB.max}`;
}
