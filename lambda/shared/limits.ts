/**
 * Runtime reliability numbers, pure so that Lambda bundles can import them without aws-cdk-lib; the
 * one place to import each from, for lambda/ and lib/ alike. lib/defaults.ts holds the infrastructure
 * ones (timeouts, retention, batch size).
 * The function timeout (functionTimeoutSeconds in lib/config.ts: 10 s in dev, 30 s in prod) is the budget
 * one SDK call with its retries must fit in; a record that still runs out of time is redelivered, never lost.
 */

/** PutEvents accepts at most 10 entries per call (EventBridge quota). */
export const PUT_EVENTS_MAX_ENTRIES = 10;

/** Producer retries of failed entries (not of the whole call) before failing loudly. */
export const PUT_EVENTS_MAX_ATTEMPTS = 4;

/** Base delay of the producer's exponential backoff with full jitter: at most 100 + 200 + 400 ms in total. */
export const PUT_EVENTS_BASE_DELAY_MS = 100;

/** Analytics writes per day are spread over this many partition keys so a busy day has no hot key. */
export const ANALYTICS_SHARDS = 8;

/** DynamoDB quota: one TransactWriteItems call holds at most 100 actions. */
export const MAX_TRANSACT_ITEMS = 100;

/**
 * SDK attempts per call (the standard retry mode's default): throttling and 5xx are retried with backoff.
 * Worst case per call is about 3 x SDK_REQUEST_TIMEOUT_MS, well inside the 30 s function timeout.
 */
export const SDK_MAX_ATTEMPTS = 3;

/** A DynamoDB or EventBridge call normally answers in milliseconds; 3 s means the endpoint is in trouble, so retry. */
export const SDK_REQUEST_TIMEOUT_MS = 3_000;

/** Connecting takes milliseconds inside a region; a second covers a slow local emulator. */
export const SDK_CONNECTION_TIMEOUT_MS = 1_000;

/**
 * A TransactWriteItems cancelled by a TransactionConflict (another request on one of its items at that
 * moment: orders for the same product, analytics batches on the same day shard) is retried inside the
 * function; the SDK's retry strategy never retries TransactionCanceledException. Full jitter from this
 * base, doubling up to the cap, so the contending writers spread out instead of colliding again.
 */
export const TRANSACTION_CONFLICT_BASE_DELAY_MS = 50;
export const TRANSACTION_CONFLICT_MAX_DELAY_MS = 1_000;

/** Attempts at most, however much time is left: ten conflicts in a row mean a hot item, not bad luck. */
export const TRANSACTION_CONFLICT_MAX_ATTEMPTS = 10;

/**
 * A retry starts only if this much of the invocation is left after its longest possible wait: enough for
 * the write itself, the publish and the batch response on a busy local emulator (on AWS each takes
 * milliseconds), and a third of the shortest function timeout the stages use (3 s), so retries still
 * happen there. A record that ran out of time mid-retry would time out its whole batch instead.
 */
export const TRANSACTION_CONFLICT_TIME_RESERVE_MS = 1_000;
