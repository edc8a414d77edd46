import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type * as PowertoolsTracer from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';

/**
 * One Logger, Metrics and (where the stage bundles it) Tracer per execution environment, configured by
 * the POWERTOOLS_* variables. Log identifiers (order id, event id, message id), never payloads: events
 * carry customer data.
 */
/**
 * Powertools' standard keys without the three that say nothing per line: `function_arn` (the function's
 * name with the account and region of its log group), `function_memory_size` (configuration, also in
 * Lambda's report line) and `sampling_rate` (0 unless debug sampling is set). About 180 of a step's
 * 740-byte "order transitioned" line, and CloudWatch Logs bills ingestion per byte (docs/capacity.md,
 * "Cost"). Everything else is Powertools' own format, in its order; errors as Powertools formats them.
 */
export class CompactLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: context?.coldStart,
        function_name: context?.functionName,
        function_request_id: context?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
        tenant_id: context?.tenantId,
      },
    }).addAttributes(additional);
  }
}

export const logger = new Logger({ logFormatter: new CompactLogFormatter() });
export const metrics = new Metrics();

/**
 * The Powertools Tracer, and with it the X-Ray SDK, only where the stage enables it (`powertoolsTracer`
 * in lib/config.ts). Bundling replaces `process.env.POWERTOOLS_TRACER_BUNDLED` with the stage's choice
 * (`functionBundling`, lib/constructs/event-consumer.ts), so the branch not taken, and with it the
 * `require` of the X-Ray SDK, is not in the bundle at all: loading that SDK cost 30 to 40 ms of every
 * function's cold-start init (docs/adr/0005-tracer-only-where-the-stage-enables-it.md). Lambda's active
 * tracing records every function's segment either way. Outside a bundle (unit tests) the variable decides.
 */
export const tracer: PowertoolsTracer.Tracer | undefined =
  process.env.POWERTOOLS_TRACER_BUNDLED === 'true'
    ? new (require('@aws-lambda-powertools/tracer') as typeof PowertoolsTracer).Tracer()
    : undefined;

/** An AWS SDK client whose calls become X-Ray subsegments where the tracer is bundled. */
export function traced<T>(client: T): T {
  return tracer === undefined ? client : tracer.captureAWSv3Client(client);
}

/**
 * Wraps a handler with what the Powertools middlewares/decorators would do: Lambda context in the logs,
 * cold-start metric and annotation, a handler subsegment, metrics flushed on every exit. Hand-written
 * because the decorators need `experimentalDecorators` and Middy is not a dependency of this project.
 */
export function withObservability<TEvent, TResult>(
  settings: { readonly stage: string },
  handler: (event: TEvent, context: Context) => Promise<TResult>,
): (event: TEvent, context: Context) => Promise<TResult> {
  logger.appendPersistentKeys({ stage: settings.stage });
  return async (event, context) => {
    logger.addContext(context);
    metrics.captureColdStartMetric(context.functionName);
    const segment = tracer?.isTracingEnabled() ? tracer.getSegment() : undefined;
    const subsegment = segment?.addNewSubsegment(`## ${process.env._HANDLER ?? 'handler'}`);
    if (tracer !== undefined && subsegment !== undefined) {
      tracer.setSegment(subsegment);
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
    }
    try {
      return await handler(event, context);
    } catch (error) {
      // Every record of the batch is retried; each record's own failure was logged where it happened.
      logger.error('batch failed as a whole: every record will be redelivered', error as Error);
      if (subsegment !== undefined) tracer?.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      subsegment?.close();
      if (segment !== undefined) tracer?.setSegment(segment);
      // Without a stored metric, Powertools would log a warning that there is none: a log line on every
      // invocation of a function that counts nothing (the API's reads), paid for and never useful.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
