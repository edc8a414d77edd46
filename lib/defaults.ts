import { Duration } from 'aws-cdk-lib';

/**
 * Every reliability number of the pipeline, in one place. Change them here, with the reason.
 */

/** Lambda function timeout for queue consumers. A record touches DynamoDB and EventBridge a few times; 30 s leaves ample room for SDK retries. */
export const FUNCTION_TIMEOUT = Duration.seconds(30);

/**
 * Timeout of the API's functions. A client waits for them, and an HTTP API gives up after 30 s; an
 * answer takes at most three DynamoDB and EventBridge calls of milliseconds each, so 10 s covers their
 * SDK retries on a bad day. A timed-out request may be retried at once with the same key.
 */
export const API_FUNCTION_TIMEOUT = Duration.seconds(10);

/**
 * API alarms (lib/constructs/pipeline-monitoring.ts). The API answers 5xx only when DynamoDB or
 * EventBridge failed after the SDK's retries: 1 % of the requests of five minutes is an outage, not noise.
 */
export const API_ALARM_PERIOD = Duration.minutes(5);
export const API_5XX_RATE_ALARM_PERCENT = 1;
/**
 * p99 of API Gateway's Latency over API_ALARM_PERIOD, for API_LATENCY_ALARM_PERIODS periods in a row: a
 * warm request takes tens of milliseconds and a cold start about a second, so 2 s sustained for 15
 * minutes means a slow dependency or throttled functions, not one cold start.
 */
export const API_P99_LATENCY_ALARM = Duration.seconds(2);
export const API_LATENCY_ALARM_PERIODS = 3;

/** Memory for consumers. 256 MB: these handlers are I/O bound; more memory buys CPU for init, not throughput. */
export const FUNCTION_MEMORY_MB = 256;

/**
 * AWS: the queue's visibility timeout must be at least 6 x the function timeout, so a batch that is
 * retried by the Lambda service (throttling) is not redelivered while still in flight.
 */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** Receives before a message moves to its DLQ. AWS recommends at least 5 so throttling alone never dead-letters a message. */
export const MAX_RECEIVE_COUNT = 5;

/** Source queues keep messages 4 days (the SQS default); DLQs keep them 14 days, the maximum, so a DLQ message outlives its source. */
export const SOURCE_QUEUE_RETENTION = Duration.days(4);
export const DLQ_RETENTION = Duration.days(14);

/** Records per Lambda invocation: small batches keep a poison record's blast radius and the retry cost low. */
export const BATCH_SIZE = 10;

/** Wait up to 1 s to fill a batch: fewer invocations under load, at most 1 s added latency when idle. */
export const MAX_BATCHING_WINDOW = Duration.seconds(1);

/**
 * Analytics batches for cost, not latency: one invocation counts up to 100 orders' final facts in as few
 * transactions as hold them (100 items each), and updates each day total and each product once per
 * transaction, so the larger the batch, the fewer write units, invocations and receives per order
 * (docs/adr/0004-analytics-from-final-facts.md). Its totals are read by day: 10 s of delay cost nothing,
 * and the 10 s only add to its queue's visibility timeout (6 x the function timeout + the window). A
 * batch whose transaction keeps conflicting is written fact by fact: up to 100 single writes, well inside
 * the 10 s (dev) and 30 s (prod) function timeouts; one that runs out of time is redelivered, and the
 * facts it wrote are then named as counted.
 */
export const ANALYTICS_BATCH_SIZE = 100;
export const ANALYTICS_MAX_BATCHING_WINDOW = Duration.seconds(10);

/**
 * The order steps gather no batch: each is a hop on every order's path, and a window adds up to its
 * length to each hop while the queue is nearly empty (five hops, up to 5 s an order). Under load it buys
 * nothing: a poll already returns a full batch. Lambda's own default for SQS.
 */
export const ORDER_STEP_BATCHING_WINDOW = Duration.seconds(0);

/**
 * Caps the concurrent executions one queue can drive (SQS event source maximum concurrency, minimum 2),
 * so a burst cannot starve the account's other functions or throttle DynamoDB. The default of each
 * stage's `consumerMaxConcurrency` (lib/config.ts): 6 consumers x 10 fit the default account quota of
 * 1,000 with room to spare, but not the 10 a new account may start with.
 */
export const MAX_CONCURRENCY = 10;

/** EventBridge retries delivery to a target for up to 24 h (its maximum) with up to 185 attempts, then sends the event to the target DLQ. */
export const TARGET_MAX_EVENT_AGE = Duration.hours(24);
export const TARGET_RETRY_ATTEMPTS = 185;

// The runtime numbers (PutEvents batching and retries, SDK budget, transaction conflicts, analytics
// shards) live in lambda/shared/limits.ts, their one home, so function bundles import them without
// aws-cdk-lib.

/**
 * Days analytics remembers a processed event (`SEEN_MARKER_TTL_DAYS`): long enough to recognise any
 * redelivery. The oldest one is an archive replay (up to the archive retention) whose delivery
 * EventBridge retries for up to TARGET_MAX_EVENT_AGE and whose message is then redriven from a DLQ,
 * which keeps it up to DLQ_RETENTION counted from its first enqueue.
 */
export function seenMarkerTtlDays(archiveRetentionDays: number): number {
  return archiveRetentionDays + Math.ceil(TARGET_MAX_EVENT_AGE.toHours() / 24) + DLQ_RETENTION.toDays();
}

/**
 * Monitoring (lib/constructs/pipeline-monitoring.ts). SQS, Lambda and EventBridge publish one datapoint
 * a minute: a one-minute period with one datapoint to alarm pages on the first failed order, which is
 * the point: in this pipeline one error is one order that has not reached its final state.
 */
export const ALARM_PERIOD = Duration.minutes(1);

/**
 * The oldest message of a source queue alarms once it is older than this many visibility timeouts.
 * A message that failed once comes back after one visibility timeout and usually succeeds then; one
 * older than two has failed at least twice or waits behind a backlog the function does not drain, and
 * it reaches the DLQ at MAX_RECEIVE_COUNT timeouts, so the alarm gives time to act before that.
 */
export const QUEUE_AGE_ALARM_VISIBILITY_TIMEOUTS = 2;

/**
 * A dead-lettered message is lost when SQS expires it: DLQ_RETENTION after it was first enqueued in
 * the source queue, where it may have waited up to SOURCE_QUEUE_RETENTION. The DLQ's own age metric
 * (ApproximateAgeOfOldestMessage) starts only when the message arrives there, so a message is certain
 * to be kept for DLQ_RETENTION - SOURCE_QUEUE_RETENTION (10 days) of that age. The depth alarm fired on
 * day 0; this one means nobody acted, and leaves DLQ_REDRIVE_LEAD_TIME to fix the cause and redrive.
 */
export const DLQ_REDRIVE_LEAD_TIME = Duration.days(3);
/** 7 days: the oldest age a dead-lettered message can reach and still have DLQ_REDRIVE_LEAD_TIME to go. */
export const DLQ_AGE_ALARM_THRESHOLD = Duration.days(
  DLQ_RETENTION.toDays() - SOURCE_QUEUE_RETENTION.toDays() - DLQ_REDRIVE_LEAD_TIME.toDays(),
);
