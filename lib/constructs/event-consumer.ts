import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import { type EventPattern, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type BundlingOptions, LogLevel, NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
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
} from '../defaults';

/**
 * The newest Node.js runtime that both this aws-cdk-lib and cdk-nag's AwsSolutions-L1 (which compares
 * against `Runtime.ALL`) know. Pinned rather than `NODEJS_LATEST` so a CDK upgrade never changes the
 * runtime silently; the esbuild target follows it.
 */
export const CONSUMER_RUNTIME = Runtime.NODEJS_24_X;
export const CONSUMER_ESBUILD_TARGET = 'node24';

/** How every function of the app is bundled: esbuild on this machine, minified, with source maps. */
export function functionBundling(bundleAwsSdk: boolean): BundlingOptions {
  return {
    forceDockerBundling: false,
    target: CONSUMER_ESBUILD_TARGET,
    minify: true,
    // The ES module builds first: the AWS SDK's (dist-es) can be tree-shaken, its CommonJS builds
    // (dist-cjs, one file per package) cannot. That takes about 240 KB and a third of the init off every
    // function (`npm run bench:bundles`, README "Bundles"); packages without `module` keep `main`.
    mainFields: ['module', 'main'],
    sourceMap: true,
    // Stack traces still map to file and line; the asset does not carry a copy of every source.
    sourcesContent: false,
    bundleAwsSDK: bundleAwsSdk,
    logLevel: LogLevel.WARNING,
  };
}

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

/** One kind of event a consumer receives: a detail type, from the one source that may state it. */
export interface RoutedEvent {
  readonly source: string;
  readonly detailType: string;
}

/**
 * The rule's pattern: exact (source, detail type) pairs. A pattern with a list of sources and a list of
 * detail types would accept every combination, so a forged fact with another producer's source would
 * pass; one branch of `$or` per source keeps each detail type tied to its own source.
 */
export function eventPatternOf(events: readonly RoutedEvent[]): EventPattern {
  const bySource = new Map<string, string[]>();
  for (const { source, detailType } of events) {
    bySource.set(source, [...(bySource.get(source) ?? []), detailType]);
  }
  const branches = [...bySource].map(([source, detailTypes]) => ({
    source: [source],
    detailType: detailTypes,
  }));
  if (branches.length === 1 && branches[0] !== undefined) return branches[0];
  // EventPattern has no `$or` member, but the CDK renders unknown keys as they are.
  return {
    $or: branches.map(({ source, detailType }) => ({ source, 'detail-type': detailType })),
  } as EventPattern;
}

export interface EventConsumerProps {
  /** The bus whose events this consumer receives. */
  readonly eventBus: IEventBus;
  /**
   * The events to route here, each a detail type with the source of its producer. Build them from the
   * contracts (`{ source: contract.source, detailType: contract.detailType }`), never from literals.
   */
  readonly events: readonly RoutedEvent[];
  /** Path of the handler's TypeScript entry file. */
  readonly entry: string;

  /**
   * Exported name of the handler function in `entry`.
   * @default - `handler`
   */
  readonly handler?: string;
  /**
   * Description of the function and its rule.
   * @default - one naming the routed detail types
   */
  readonly description?: string;
  /**
   * Environment variables of the function. `NODE_OPTIONS` always gains `--enable-source-maps`.
   * @default - only `NODE_OPTIONS`
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Lambda function timeout.
   * @default - `FUNCTION_TIMEOUT` (lib/defaults.ts)
   */
  readonly timeout?: Duration;
  /**
   * Function memory in MB.
   * @default - `FUNCTION_MEMORY_MB` (lib/defaults.ts)
   */
  readonly memorySize?: number;
  /**
   * Bundle the AWS SDK v3 into the function instead of using the copy in the runtime. Bundling pins the
   * SDK version the tests ran against; the runtime's copy gives a smaller asset but may change underneath.
   * @default true
   */
  readonly bundleAwsSdk?: boolean;
  /**
   * Lock file of the project; its directory is the bundling root.
   * @default - the nearest lock file above the working directory (NodejsFunction's default)
   */
  readonly depsLockFilePath?: string;
  /**
   * Application log level: Lambda drops JSON log lines below it.
   * @default ApplicationLogLevel.INFO
   */
  readonly logLevel?: ApplicationLogLevel;
  /**
   * Retention of the function's log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the queues and the log group when they leave the stack. They may hold the only copy
   * of a failed order, so the default keeps them.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Visibility timeout of the source queue. Must be at least `VISIBILITY_TIMEOUT_FACTOR` x `timeout`
   * plus `maxBatchingWindow`.
   * @default - exactly that minimum
   */
  readonly visibilityTimeout?: Duration;
  /**
   * How long the source queue keeps a message.
   * @default - `SOURCE_QUEUE_RETENTION` (lib/defaults.ts)
   */
  readonly retentionPeriod?: Duration;
  /**
   * Receives before a message moves to the dead-letter queue; at least 5.
   * @default - `MAX_RECEIVE_COUNT` (lib/defaults.ts)
   */
  readonly maxReceiveCount?: number;
  /**
   * How long both dead-letter queues keep a message; longer than `retentionPeriod`, because SQS counts
   * a dead-lettered message's age from its first enqueue.
   * @default - `DLQ_RETENTION` (lib/defaults.ts)
   */
  readonly deadLetterRetentionPeriod?: Duration;
  /**
   * Records per invocation.
   * @default - `BATCH_SIZE` (lib/defaults.ts)
   */
  readonly batchSize?: number;
  /**
   * How long the event source mapping gathers records before invoking.
   * @default - `MAX_BATCHING_WINDOW` (lib/defaults.ts)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Most concurrent invocations this queue can drive (2-1000).
   * @default - `MAX_CONCURRENCY` (lib/defaults.ts)
   */
  readonly maxConcurrency?: number;
  /**
   * EventBridge delivery attempts to the queue before the event goes to the target dead-letter queue.
   * @default - `TARGET_RETRY_ATTEMPTS` (lib/defaults.ts)
   */
  readonly targetRetryAttempts?: number;
  /**
   * How long EventBridge keeps retrying delivery to the queue.
   * @default - `TARGET_MAX_EVENT_AGE` (lib/defaults.ts)
   */
  readonly targetMaxEventAge?: Duration;
}

/** The numbers a consumer runs with: defaults <- props; checked against the invariants afterwards. */
interface ConsumerSettings {
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

function resolveSettings(props: EventConsumerProps, fail: (message: string) => never): ConsumerSettings {
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
 * One step of an event-driven pipeline: an EventBridge rule routes the given detail types to an
 * encrypted SQS queue with a dead-letter queue, drained by a Node.js function that always reports
 * partial batch failures (without them one bad record redelivers records that already took effect).
 * Delivery failures of the rule itself land in a separate target dead-letter queue. It creates no
 * alarms: watch its queues and function with PipelineMonitoring (or your own), the one owner of alarms.
 *
 * ```
 * bus -> Rule -> Queue (DLQ after maxReceiveCount) -> Function
 *          \-> TargetDeadLetterQueue (EventBridge could not deliver)
 * ```
 *
 * Every reliability setting comes from lib/defaults.ts unless overridden, and the constructor refuses
 * combinations that lose or duplicate messages.
 */
export class EventConsumer extends Construct {
  public readonly rule: Rule;
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly targetDeadLetterQueue: Queue;
  public readonly fn: NodejsFunction;
  public readonly role: Role;
  public readonly logGroup: LogGroup;
  /** Visibility timeout of `queue`: monitoring derives the age alarm's threshold from it. */
  public readonly visibilityTimeout: Duration;

  constructor(scope: Construct, id: string, props: EventConsumerProps) {
    super(scope, id);

    const settings = resolveSettings(props, this.fail);
    this.checkInvariants(props, settings);
    this.visibilityTimeout = settings.visibilityTimeout;

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const description =
      props.description ??
      `Consumes ${props.events.map((e) => `${e.detailType} from ${e.source}`).join(', ')}.`;

    // Every queue: SQS-managed SSE (EventBridge can send to it without a key policy) and TLS only.
    const secureQueue = { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, removalPolicy } as const;
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...secureQueue,
      retentionPeriod: settings.deadLetterRetentionPeriod,
    });
    this.queue = new Queue(this, 'Queue', {
      ...secureQueue,
      retentionPeriod: settings.retentionPeriod,
      visibilityTimeout: settings.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
    });
    this.targetDeadLetterQueue = new Queue(this, 'TargetDeadLetterQueue', {
      ...secureQueue,
      retentionPeriod: settings.deadLetterRetentionPeriod,
    });

    this.rule = new Rule(this, 'Rule', {
      eventBus: props.eventBus,
      description,
      eventPattern: eventPatternOf(props.events),
    });
    this.rule.addTarget(
      new SqsQueue(this.queue, {
        deadLetterQueue: this.targetDeadLetterQueue,
        retryAttempts: settings.targetRetryAttempts,
        maxEventAge: settings.targetMaxEventAge,
      }),
    );

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy,
    });
    // An own role instead of AWSLambdaBasicExecutionRole: that managed policy may create any log group
    // and write to all of them; this one writes to its own log group only.
    this.role = new Role(this, 'FunctionRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description,
    });
    this.logGroup.grantWrite(this.role);

    const userNodeOptions = props.environment?.NODE_OPTIONS;
    this.fn = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: props.handler ?? 'handler',
      description,
      runtime: CONSUMER_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: settings.memorySize,
      timeout: settings.timeout,
      role: this.role,
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: props.logLevel ?? ApplicationLogLevel.INFO,
      logGroup: this.logGroup,
      depsLockFilePath: props.depsLockFilePath,
      environment: {
        ...props.environment,
        NODE_OPTIONS: userNodeOptions?.includes('--enable-source-maps')
          ? userNodeOptions
          : [userNodeOptions, '--enable-source-maps'].filter(Boolean).join(' '),
      },
      bundling: functionBundling(props.bundleAwsSdk ?? true),
    });

    this.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: settings.batchSize,
        maxBatchingWindow: settings.maxBatchingWindow,
        maxConcurrency: settings.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }

  /**
   * Checks the numbers as aws-cdk's own event sources do: only those known at synth. A value that is a
   * token (a parameter, an import) is resolved at deploy, where CloudFormation and the services check it.
   */
  private checkInvariants(props: EventConsumerProps, s: ConsumerSettings): void {
    const fail = this.fail;
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

  private readonly fail = (message: string): never => {
    throw new Error(`EventConsumer ${this.node.path}: ${message}`);
  };
}
