import { Duration, Token } from 'aws-cdk-lib';
import {
  BATCH_SIZE,
  DLQ_RETENTION,
  FUNCTION_MEMORY_MB,
  FUNCTION_TIMEOUT,
  MAX_BATCHING_WINDOW,
  MAX_CONCURRENCY,
  MAX_RECEIVE_COUNT,
  SOURCE_QUEUE_RETENTION,
  TARGET_MAX_EVENT_AGE,
  TARGET_RETRY_ATTEMPTS,
  VISIBILITY_TIMEOUT_FACTOR,
} from '../../defaults';
import type { EventConsumerProps } from '../event-consumer';

/** AWS recommends at least 5 receives so throttling alone never dead-letters a message. */
const MIN_MAX_RECEIVE_COUNT = 5;

/** Service limits, checked here so a bad value fails synth instead of the deployment. */
const LIMITS = {
  functionTimeoutSeconds: { min: 1, max: 900 },
  memorySizeMb: { min: 128, max: 10_240 },
  batchSize: { min: 1, max: 10_000 },
  /** Above 10 records, a standard queue's event source mapping needs a batching window of at least 1 s. */
  batchSizeWithoutWindow: 10,
  maxBatchingWindowSeconds: { min: 0, max: 300 },
  maxConcurrency: { min: 2, max: 1000 },
  maxReceiveCount: { min: MIN_MAX_RECEIVE_COUNT, max: 1000 },
  queueRetentionSeconds: { min: 60, max: Duration.days(14).toSeconds() },
  visibilityTimeoutSeconds: { max: Duration.hours(12).toSeconds() },
  targetRetryAttempts: { min: 0, max: 185 },
  targetMaxEventAgeSeconds: { min: 60, max: Duration.hours(24).toSeconds() },
} as const;

/** The numbers a consumer runs with: defaults <- props; checked against the invariants afterwards. */
export interface ConsumerSettings {
  readonly timeout: Duration;
  readonly maxBatchingWindow: Duration;
  readonly memorySize: number;
  readonly visibilityTimeout: Duration;
  readonly retentionPeriod: Duration;
  readonly maxReceiveCount: number;
  readonly deadLetterRetentionPeriod: Duration;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly targetRetryAttempts: number;
  readonly targetMaxEventAge: Duration;
}

/** Seconds of a duration known at synth; undefined for a token, which only the deployment resolves. */
function secondsOf(duration: Duration): number | undefined {
  return duration.isUnresolved() ? undefined : duration.toSeconds();
}

/**
 * The props' numbers over the defaults of lib/defaults.ts. The visibility timeout is derived from the
 * timeout and the batching window unless given, so both must be known at synth when it is not.
 */
export function resolveSettings(
  props: EventConsumerProps,
  fail: (message: string) => never,
): ConsumerSettings {
  const timeout = props.timeout ?? FUNCTION_TIMEOUT;
  const maxBatchingWindow = props.maxBatchingWindow ?? MAX_BATCHING_WINDOW;
  const timeoutSeconds = secondsOf(timeout);
  const windowSeconds = secondsOf(maxBatchingWindow);
  if (
    props.visibilityTimeout === undefined &&
    (timeoutSeconds === undefined || windowSeconds === undefined)
  ) {
    fail(
      `timeout or maxBatchingWindow is a token, so the visibility timeout cannot be derived at synth: pass ` +
        `visibilityTimeout, at least ${VISIBILITY_TIMEOUT_FACTOR} x timeout + maxBatchingWindow.`,
    );
  }
  return {
    timeout,
    maxBatchingWindow,
    memorySize: props.memorySize ?? FUNCTION_MEMORY_MB,
    // Records gathered during the batching window are already in flight, so the window adds to 6 x timeout.
    visibilityTimeout:
      props.visibilityTimeout ??
      Duration.seconds((timeoutSeconds ?? 0) * VISIBILITY_TIMEOUT_FACTOR + (windowSeconds ?? 0)),
    retentionPeriod: props.retentionPeriod ?? SOURCE_QUEUE_RETENTION,
    maxReceiveCount: props.maxReceiveCount ?? MAX_RECEIVE_COUNT,
    deadLetterRetentionPeriod: props.deadLetterRetentionPeriod ?? DLQ_RETENTION,
    batchSize: props.batchSize ?? BATCH_SIZE,
    maxConcurrency: props.maxConcurrency ?? MAX_CONCURRENCY,
    targetRetryAttempts: props.targetRetryAttempts ?? TARGET_RETRY_ATTEMPTS,
    targetMaxEventAge: props.targetMaxEventAge ?? TARGET_MAX_EVENT_AGE,
  };
}

/**
 * Checks the numbers as aws-cdk's own event sources do: only those known at synth. A value that is a
 * token (a parameter, an import) is resolved at deploy, where CloudFormation and the services check it.
 */
export function checkSettings(
  props: EventConsumerProps,
  s: ConsumerSettings,
  fail: (message: string) => never,
): void {
  const inRange = (name: string, value: number, range: { min: number; max: number }, unit = '') => {
    if (Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < range.min || value > range.max) {
      fail(`${name} must be a whole number from ${range.min} to ${range.max}${unit}, got ${value}${unit}.`);
    }
  };

  if (props.events.length === 0) {
    fail('events is empty: a rule needs at least one (source, detail type) pair to route.');
  }
  if (props.events.some((e) => e.source.trim() === '' || e.detailType.trim() === '')) {
    fail('events has an empty source or detail type: build the pairs from the contracts.');
  }
  const detailTypes = props.events.map((e) => e.detailType);
  if (new Set(detailTypes).size !== detailTypes.length) {
    fail(
      `events lists a detail type twice: ${detailTypes.join(', ')}. Each detail type has one producer, ` +
        'so one source: a second pair would let another producer state the same fact.',
    );
  }

  const timeout = secondsOf(s.timeout);
  const window = secondsOf(s.maxBatchingWindow);
  if (timeout !== undefined) inRange('timeout', timeout, LIMITS.functionTimeoutSeconds, ' s');
  inRange('memorySize', s.memorySize, LIMITS.memorySizeMb, ' MB');
  if (window !== undefined) inRange('maxBatchingWindow', window, LIMITS.maxBatchingWindowSeconds, ' s');
  inRange('batchSize', s.batchSize, LIMITS.batchSize);
  if (
    !Token.isUnresolved(s.batchSize) &&
    s.batchSize > LIMITS.batchSizeWithoutWindow &&
    window !== undefined &&
    window < 1
  ) {
    fail(
      `batchSize ${s.batchSize} needs a maxBatchingWindow of at least 1 s (SQS allows more than ` +
        `${LIMITS.batchSizeWithoutWindow} records per batch only with a batching window).`,
    );
  }
  inRange('maxConcurrency', s.maxConcurrency, LIMITS.maxConcurrency);

  const visibility = secondsOf(s.visibilityTimeout);
  if (visibility !== undefined && timeout !== undefined && window !== undefined) {
    const minimumVisibility = timeout * VISIBILITY_TIMEOUT_FACTOR + window;
    if (visibility < minimumVisibility) {
      fail(
        `visibilityTimeout (${visibility} s) must be at least ${VISIBILITY_TIMEOUT_FACTOR} x timeout + ` +
          `maxBatchingWindow (${minimumVisibility} s), or SQS hands a batch that is still being processed ` +
          'to another invocation. Raise visibilityTimeout or lower timeout.',
      );
    }
  }
  if (visibility !== undefined && visibility > LIMITS.visibilityTimeoutSeconds.max) {
    fail(`visibilityTimeout (${visibility} s) exceeds the SQS maximum of 12 hours: lower timeout.`);
  }

  if (
    !Token.isUnresolved(s.maxReceiveCount) &&
    (!Number.isInteger(s.maxReceiveCount) || s.maxReceiveCount < MIN_MAX_RECEIVE_COUNT)
  ) {
    fail(
      `maxReceiveCount must be at least ${MIN_MAX_RECEIVE_COUNT}, got ${s.maxReceiveCount}: fewer ` +
        'receives let throttling alone move healthy messages to the dead-letter queue.',
    );
  }
  inRange('maxReceiveCount', s.maxReceiveCount, LIMITS.maxReceiveCount);

  const retention = secondsOf(s.retentionPeriod);
  const dlqRetention = secondsOf(s.deadLetterRetentionPeriod);
  if (retention !== undefined) inRange('retentionPeriod', retention, LIMITS.queueRetentionSeconds, ' s');
  if (dlqRetention !== undefined) {
    inRange('deadLetterRetentionPeriod', dlqRetention, LIMITS.queueRetentionSeconds, ' s');
  }
  if (retention !== undefined && dlqRetention !== undefined && dlqRetention <= retention) {
    fail(
      `deadLetterRetentionPeriod (${dlqRetention} s) must be longer than retentionPeriod (${retention} s): ` +
        'SQS ages a dead-lettered message from its first enqueue, so it would expire in the DLQ unseen.',
    );
  }

  inRange('targetRetryAttempts', s.targetRetryAttempts, LIMITS.targetRetryAttempts);
  const maxEventAge = secondsOf(s.targetMaxEventAge);
  if (maxEventAge !== undefined) {
    inRange('targetMaxEventAge', maxEventAge, LIMITS.targetMaxEventAgeSeconds, ' s');
  }
}
