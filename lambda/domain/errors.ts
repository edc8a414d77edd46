import type { core } from 'zod/mini';

/** Where a value broke its schema and which rule it broke: safe to log, never the value itself. */
export interface SchemaIssue {
  readonly path: string;
  readonly code: string;
}

export function schemaIssues(
  error: { readonly issues: readonly core.$ZodIssue[] },
  prefix = '',
): SchemaIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)',
    code: issue.code,
  }));
}

function describeIssues(issues: readonly SchemaIssue[]): string {
  return issues.map((i) => `${i.path} (${i.code})`).join(', ');
}

/** A step built an event its own contract refuses: a bug, so the record fails loudly. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(
    readonly detailType: string,
    readonly issues: readonly SchemaIssue[],
  ) {
    super(`${detailType} event breaks its contract: ${describeIssues(issues)}`);
  }
}

export class EventTooLargeError extends Error {
  override readonly name = 'EventTooLargeError';
  constructor(
    readonly detailType: string,
    readonly sizeBytes: number,
    readonly maxBytes: number,
  ) {
    super(`${detailType} event is ${sizeBytes} bytes, above the ${maxBytes}-byte limit`);
  }
}

/** A conditional write failed although the order looks untouched: retry, the DLQ keeps it if it persists. */
export class UnexpectedOrderStateError extends Error {
  override readonly name = 'UnexpectedOrderStateError';
  constructor(
    readonly orderId: string,
    detail: string,
  ) {
    super(`order ${orderId}: ${detail}`);
  }
}

/**
 * A product's stock item holds `available` as something other than a number (a faulty import, say):
 * neither taken from nor known to be short. The order is not cancelled for it: its record fails and
 * rests in the DLQ until the stock is corrected and the message redriven.
 */
export class MalformedStockError extends Error {
  override readonly name = 'MalformedStockError';
  constructor(readonly productId: string) {
    super(`product ${productId}: its stock item's available units are not a number`);
  }
}

/** The reservation failed but every line is now in stock again: retry the reservation. */
export class StockChangedError extends Error {
  override readonly name = 'StockChangedError';
  constructor(readonly orderId: string) {
    super(`order ${orderId}: the reservation failed but stock has changed since; retrying`);
  }
}
