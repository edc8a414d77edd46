import { type CfnTemplate, referenceTarget, resourcesOfType } from './cfn-template';
import { isSqsEventSource } from './shims';

/**
 * Reads Lambda functions and their SQS event source mappings from a synthesized template: the facts
 * the emulator cannot give back (where the code is, whether a mapping is meant to be enabled) and the
 * link between them by logical id. Resolved values (environment, names, ARNs) come from the emulator.
 */

export interface TemplateFunction {
  readonly logicalId: string;
  /** S3 key of the code zip: the asset whose directory the local runner executes. */
  readonly codeS3Key?: string;
  readonly handler?: string;
  readonly runtime?: string;
  /** Lambda's default is 3 s. */
  readonly timeoutSeconds: number;
  /** Lambda's default is 128 MB. */
  readonly memorySizeMb: number;
  readonly logFormat?: string;
  readonly applicationLogLevel?: string;
  readonly systemLogLevel?: string;
  readonly tracingMode?: string;
}

export interface TemplateSqsMapping {
  readonly logicalId: string;
  /** The function it drives (the target of the FunctionName Ref). */
  readonly functionLogicalId: string;
  /** The queue of this template it reads, when the ARN is a GetAtt of one. */
  readonly queueLogicalId?: string;
  /** Whether the mapping is meant to run (CloudFormation's default: true). */
  readonly enabled: boolean;
  /** Lambda's SQS default is 10. */
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
  /** ScalingConfig.MaximumConcurrency; unset means only the function's concurrency limits it. */
  readonly maxConcurrency?: number;
}

export class TemplateReadError extends Error {
  override readonly name = 'TemplateReadError';
}

function num(value: unknown, fallback: number): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return fallback;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function props(resource: { Properties?: Record<string, unknown> }): Record<string, unknown> {
  return resource.Properties ?? {};
}

export function readTemplateFunctions(template: CfnTemplate): TemplateFunction[] {
  return resourcesOfType(template, 'AWS::Lambda::Function').map(([logicalId, r]) => {
    const p = props(r);
    const code = (p.Code ?? {}) as Record<string, unknown>;
    const logging = (p.LoggingConfig ?? {}) as Record<string, unknown>;
    const tracing = (p.TracingConfig ?? {}) as Record<string, unknown>;
    return {
      logicalId,
      codeS3Key: str(code.S3Key),
      handler: str(p.Handler),
      runtime: str(p.Runtime),
      timeoutSeconds: num(p.Timeout, 3),
      memorySizeMb: num(p.MemorySize, 128),
      logFormat: str(logging.LogFormat),
      applicationLogLevel: str(logging.ApplicationLogLevel),
      systemLogLevel: str(logging.SystemLogLevel),
      tracingMode: str(tracing.Mode),
    };
  });
}

export function readTemplateSqsMappings(template: CfnTemplate): TemplateSqsMapping[] {
  return resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')
    .filter(([, r]) => isSqsEventSource(template, props(r).EventSourceArn))
    .map(([logicalId, r]) => {
      const p = props(r);
      const functionLogicalId = referenceTarget(p.FunctionName);
      if (!functionLogicalId || template.Resources?.[functionLogicalId]?.Type !== 'AWS::Lambda::Function') {
        throw new TemplateReadError(
          `event source mapping ${logicalId} does not reference a function of its template; the local runner needs one`,
        );
      }
      const queueLogicalId = referenceTarget(p.EventSourceArn);
      const scaling = (p.ScalingConfig ?? {}) as Record<string, unknown>;
      const responseTypes = Array.isArray(p.FunctionResponseTypes) ? p.FunctionResponseTypes : [];
      return {
        logicalId,
        functionLogicalId,
        queueLogicalId: queueLogicalId && template.Resources?.[queueLogicalId] ? queueLogicalId : undefined,
        enabled: p.Enabled !== false && p.Enabled !== 'false',
        batchSize: num(p.BatchSize, 10),
        maxBatchingWindowSeconds: num(p.MaximumBatchingWindowInSeconds, 0),
        reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
        maxConcurrency:
          scaling.MaximumConcurrency === undefined ? undefined : num(scaling.MaximumConcurrency, 2),
      };
    });
}

/** `index.handler` -> module `index`, export `handler`; `dir/file.fn` -> `dir/file`, `fn`. */
export function parseHandler(handler: string): { module: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0 || dot === handler.length - 1) {
    throw new TemplateReadError(`handler "${handler}" is not of the form <module>.<export>`);
  }
  return { module: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}
