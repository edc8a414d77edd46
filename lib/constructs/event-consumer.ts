import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type EventPattern, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type BundlingOptions, LogLevel, NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { checkSettings, resolveSettings } from './event-consumer/settings';

/**
 * The newest Node.js runtime that both this aws-cdk-lib and cdk-nag's AwsSolutions-L1 (which compares
 * against `Runtime.ALL`) know. Pinned rather than `NODEJS_LATEST` so a CDK upgrade never changes the
 * runtime silently; the esbuild target follows it.
 */
export const CONSUMER_RUNTIME = Runtime.NODEJS_24_X;
export const CONSUMER_ESBUILD_TARGET = 'node24';

/**
 * How every function of the app is bundled: esbuild on this machine, minified, with source maps, and the
 * Powertools Tracer (with the X-Ray SDK) only when `powertoolsTracer` says so: lambda/adapters/observability.ts
 * reads the constant defined here, and bundling drops the branch not taken (docs/adr/0005).
 */
export function functionBundling(bundleAwsSdk: boolean, powertoolsTracer = false): BundlingOptions {
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
    define: { 'process.env.POWERTOOLS_TRACER_BUNDLED': JSON.stringify(String(powertoolsTracer)) },
    logLevel: LogLevel.WARNING,
  };
}

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
   * Bundle and start the Powertools Tracer (the X-Ray SDK): a subsegment per AWS SDK call and a handler
   * subsegment with cold-start and service annotations. Without it, Lambda's active tracing still records
   * the function's segment and the trace header still travels on with its calls, and the cold-start init
   * is 30 to 40 ms of CPU shorter (docs/adr/0005-tracer-only-where-the-stage-enables-it.md).
   * @default false
   */
  readonly powertoolsTracer?: boolean;
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
    checkSettings(props, settings, this.fail);
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
      bundling: functionBundling(props.bundleAwsSdk ?? true, props.powertoolsTracer ?? false),
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

  private readonly fail = (message: string): never => {
    throw new Error(`EventConsumer ${this.node.path}: ${message}`);
  };
}
