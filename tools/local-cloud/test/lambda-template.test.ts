import { describe, expect, it } from '@jest/globals';
import type { CfnTemplate } from '../src/cloud-assembly';
import {
  parseHandler,
  readTemplateFunctions,
  readTemplateSqsMappings,
  TemplateReadError,
} from '../src/lambda-template';

function template(mappingProps: Record<string, unknown> = {}): CfnTemplate {
  return {
    Resources: {
      Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's ${} syntax, not a template literal
          Code: { S3Bucket: { 'Fn::Sub': 'cdk-assets-${AWS::AccountId}' }, S3Key: 'abc123.zip' },
          Handler: 'index.handler',
          Runtime: 'nodejs24.x',
          Timeout: 30,
          MemorySize: 256,
          LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG', LogGroup: { Ref: 'Logs' } },
          TracingConfig: { Mode: 'Active' },
        },
      },
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          FunctionName: { Ref: 'Fn' },
          EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
          BatchSize: 10,
          MaximumBatchingWindowInSeconds: 1,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: 10 },
          ...mappingProps,
        },
      },
    },
  };
}

describe('readTemplateFunctions', () => {
  it('reads code location, handler, limits and logging of each function', () => {
    // GIVEN a synthesized function
    // WHEN the template is read
    // THEN its settings are there, with the asset key that locates its bundle
    expect(readTemplateFunctions(template())).toEqual([
      {
        logicalId: 'Fn',
        codeS3Key: 'abc123.zip',
        handler: 'index.handler',
        runtime: 'nodejs24.x',
        timeoutSeconds: 30,
        memorySizeMb: 256,
        logFormat: 'JSON',
        applicationLogLevel: 'DEBUG',
        systemLogLevel: undefined,
        tracingMode: 'Active',
      },
    ]);
  });

  it("falls back to Lambda's defaults (3 s, 128 MB) when the template leaves them out", () => {
    // GIVEN a function without timeout and memory
    const t: CfnTemplate = { Resources: { F: { Type: 'AWS::Lambda::Function', Properties: {} } } };
    // WHEN the template is read
    const [fn] = readTemplateFunctions(t);
    // THEN the service defaults apply
    expect(fn?.timeoutSeconds).toBe(3);
    expect(fn?.memorySizeMb).toBe(128);
  });
});

describe('readTemplateSqsMappings', () => {
  it('reads batch size, window, partial batch responses and maximum concurrency', () => {
    // GIVEN an SQS mapping as the CDK synthesizes it
    // WHEN the template is read
    // THEN every setting the poller honours is there, and the mapping is meant to be enabled
    expect(readTemplateSqsMappings(template())).toEqual([
      {
        logicalId: 'Mapping',
        functionLogicalId: 'Fn',
        queueLogicalId: 'Queue',
        enabled: true,
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        reportBatchItemFailures: true,
        maxConcurrency: 10,
      },
    ]);
  });

  it("applies Lambda's SQS defaults: batch of 10, no window, whole-batch responses, no concurrency cap", () => {
    // GIVEN a mapping with only the required properties
    const t = template({
      BatchSize: undefined,
      MaximumBatchingWindowInSeconds: undefined,
      FunctionResponseTypes: undefined,
      ScalingConfig: undefined,
    });
    // WHEN the template is read
    const [m] = readTemplateSqsMappings(t);
    // THEN the service defaults apply
    expect(m).toMatchObject({ batchSize: 10, maxBatchingWindowSeconds: 0, reportBatchItemFailures: false });
    expect(m?.maxConcurrency).toBeUndefined();
  });

  it('reads a mapping the template disables as not enabled', () => {
    expect(readTemplateSqsMappings(template({ Enabled: false }))[0]?.enabled).toBe(false);
  });

  it('ignores mappings of other event sources', () => {
    // GIVEN a mapping reading a Kinesis stream
    const t = template({ EventSourceArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s' });
    // WHEN the template is read
    // THEN it is not an SQS mapping for the runner
    expect(readTemplateSqsMappings(t)).toEqual([]);
  });

  it('fails for a mapping whose function is not in the template', () => {
    // GIVEN a mapping naming a function by a literal name
    const t = template({ FunctionName: 'someone-elses-function' });
    // WHEN the template is read
    // THEN the runner cannot know the code, and says so
    expect(() => readTemplateSqsMappings(t)).toThrow(TemplateReadError);
  });
});

describe('parseHandler', () => {
  it.each([
    ['index.handler', { module: 'index', exportName: 'handler' }],
    ['dist/app.main', { module: 'dist/app', exportName: 'main' }],
    ['a.b.c', { module: 'a.b', exportName: 'c' }],
  ])('splits %s', (handler, expected) => {
    expect(parseHandler(handler)).toEqual(expected);
  });

  it.each(['handler', '.handler', 'index.'])('fails for %s', (handler) => {
    expect(() => parseHandler(handler)).toThrow(TemplateReadError);
  });
});
