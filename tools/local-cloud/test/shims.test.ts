import { describe, expect, it } from '@jest/globals';
import type { CfnTemplate } from '../src/cloud-assembly';
import { applyMotoShims, isSqsEventSource, localArchiveName } from '../src/shims';

const STACK = 'OrderPipeline-dev-Pipeline';

/** The shape CDK synthesizes for a bus, an archive, a queue, a function and its SQS mapping. */
function pipelineTemplate(): CfnTemplate {
  return {
    Resources: {
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'OrderPipelinedevPipelineBus' } },
      BusArchive: {
        Type: 'AWS::Events::Archive',
        Properties: {
          SourceArn: { 'Fn::GetAtt': ['Bus', 'Arn'] },
          EventPattern: { source: ['orders.pipeline'] },
        },
      },
      Rule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventBusName: { Ref: 'Bus' },
          EventPattern: { source: ['orders.pipeline'] },
          Targets: [{ Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] }, Id: 'Target0' }],
        },
      },
      Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Environment: {
            Variables: {
              EVENT_BUS_NAME: { Ref: 'Bus' },
              // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's ${} syntax, not a template literal
              BUS_URL: { 'Fn::Sub': 'https://example/${Bus}/${Queue}' },
            },
          },
        },
      },
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { FunctionName: { Ref: 'Fn' }, EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
      },
    },
    Outputs: {
      EventBusName: { Value: { Ref: 'Bus' } },
      QueueUrl: { Value: { Ref: 'Queue' } },
      EventArchiveName: { Value: { Ref: 'BusArchive' } },
    },
  };
}

describe('applyMotoShims', () => {
  it('replaces every Ref to an event bus by its Name attribute, and nothing else', () => {
    // GIVEN a template referencing its bus in a rule, an environment variable, a Sub and an output
    // WHEN the moto shims are applied
    const { template, applied } = applyMotoShims(pipelineTemplate(), { stackName: STACK });
    // THEN each bus Ref is a GetAtt Name, queue Refs are untouched, and the shim is reported
    const getAttName = { 'Fn::GetAtt': ['Bus', 'Name'] };
    expect(template.Resources?.Rule?.Properties?.EventBusName).toEqual(getAttName);
    expect(template.Resources?.Fn?.Properties?.Environment).toEqual({
      Variables: {
        EVENT_BUS_NAME: getAttName,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's ${} syntax, not a template literal
        BUS_URL: { 'Fn::Sub': 'https://example/${Bus.Name}/${Queue}' },
      },
    });
    expect(template.Outputs?.EventBusName?.Value).toEqual(getAttName);
    expect(template.Outputs?.QueueUrl?.Value).toEqual({ Ref: 'Queue' });
    expect(applied.find((a) => a.shim === 'event-bus-ref-to-name')?.logicalIds).toEqual(['Bus']);
  });

  it('disables SQS event source mappings so moto does not consume the queue', () => {
    // GIVEN a template with an SQS mapping that is enabled by default
    // WHEN the moto shims are applied
    const { template, applied } = applyMotoShims(pipelineTemplate(), { stackName: STACK });
    // THEN the deployed copy is disabled, and the shim names the mapping
    expect(template.Resources?.Mapping?.Properties?.Enabled).toBe(false);
    expect(applied.find((a) => a.shim === 'sqs-event-source-mapping-disabled')?.logicalIds).toEqual([
      'Mapping',
    ]);
  });

  it('names the archive within 48 characters and passes its pattern as a string', () => {
    // GIVEN an archive without a name and with an object pattern
    // WHEN the moto shims are applied
    const { template } = applyMotoShims(pipelineTemplate(), { stackName: STACK });
    // THEN it has a short valid name and a JSON string pattern with the same content
    const props = template.Resources?.BusArchive?.Properties ?? {};
    expect(props.ArchiveName).toBe(localArchiveName(STACK, 'BusArchive'));
    expect(String(props.ArchiveName)).toMatch(/^[.\-_A-Za-z0-9]{1,48}$/);
    expect(JSON.parse(String(props.EventPattern))).toEqual({ source: ['orders.pipeline'] });
  });

  it('leaves the original template unchanged', () => {
    // GIVEN a synthesized template
    const original = pipelineTemplate();
    const before = JSON.stringify(original);
    // WHEN the moto shims are applied
    applyMotoShims(original, { stackName: STACK });
    // THEN the input is untouched: the runner reads the original, AWS would receive it
    expect(JSON.stringify(original)).toBe(before);
  });

  it('applies nothing to a template that needs no shim', () => {
    // GIVEN a template with tables only
    const tables: CfnTemplate = { Resources: { Orders: { Type: 'AWS::DynamoDB::Table', Properties: {} } } };
    // WHEN the moto shims are applied
    const { template, applied } = applyMotoShims(tables, { stackName: 'Data' });
    // THEN nothing is reported and the copy equals the input
    expect(applied).toEqual([]);
    expect(template).toEqual(tables);
  });

  it('GIVEN an output naming the archive WHEN shimmed THEN it reads the ArchiveName attribute', () => {
    // WHEN the moto shims are applied to the pipeline template
    const { template, applied } = applyMotoShims(pipelineTemplate(), { stackName: STACK });
    // THEN the archive Ref became its ArchiveName attribute
    expect(template.Outputs?.EventArchiveName?.Value).toEqual({
      'Fn::GetAtt': ['BusArchive', 'ArchiveName'],
    });
    expect(applied.filter((a) => a.shim === 'archive-ref-to-name').map((a) => a.logicalIds)).toEqual([
      ['BusArchive'],
    ]);
  });

  it('GIVEN a KMS key with CloudFormation tags WHEN shimmed THEN moto gets the KMS API tag shape', () => {
    // GIVEN a key tagged as CDK's Tags aspect tags it
    const t: CfnTemplate = {
      Resources: {
        Key: {
          Type: 'AWS::KMS::Key',
          Properties: { KeyPolicy: {}, Tags: [{ Key: 'project', Value: 'order-pipeline' }] },
        },
        Untagged: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: {} } },
      },
    };
    // WHEN the moto shims are applied
    const { template, applied } = applyMotoShims(t, { stackName: STACK });
    // THEN its tags are {TagKey, TagValue}, the untagged key is left alone, and the original is unchanged
    expect(template.Resources?.Key?.Properties?.Tags).toEqual([
      { TagKey: 'project', TagValue: 'order-pipeline' },
    ]);
    expect(applied.filter((a) => a.shim === 'kms-key-tags').map((a) => a.logicalIds)).toEqual([['Key']]);
    expect(t.Resources?.Key?.Properties?.Tags).toEqual([{ Key: 'project', Value: 'order-pipeline' }]);
  });

  it('GIVEN a dashboard that references alarms WHEN shimmed THEN the references become the alarm name and ARN', () => {
    // GIVEN an alarm (which moto skips) and a dashboard whose body names it
    const t: CfnTemplate = {
      Resources: {
        Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Threshold: 1 } },
        Dashboard: {
          Type: 'AWS::CloudWatch::Dashboard',
          Properties: {
            DashboardBody: { 'Fn::Join': ['', ['{"alarms":["', { 'Fn::GetAtt': ['Alarm', 'Arn'] }, '"]}']] },
          },
        },
      },
      Outputs: { AlarmName: { Value: { Ref: 'Alarm' } } },
    };
    // WHEN the moto shims are applied
    const { template, applied } = applyMotoShims(t, { stackName: STACK });
    // THEN no Ref or GetAtt to the alarm is left, and the alarm itself stays in the template
    expect(JSON.stringify(template.Resources?.Dashboard)).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's ${} syntax, not a template literal
      '{"Fn::Sub":"arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:Alarm"}',
    );
    expect(template.Outputs?.AlarmName?.Value).toBe('Alarm');
    expect(template.Resources?.Alarm).toEqual(t.Resources?.Alarm);
    expect(applied.filter((a) => a.shim === 'alarm-refs').map((a) => a.logicalIds)).toEqual([['Alarm']]);
  });

  it('GIVEN a rule on a custom bus whose Ref is split for its bare name WHEN shimmed THEN its Ref is built as CloudFormation returns it', () => {
    // GIVEN the rule name a metric dimension takes from the rule's Ref (`<bus>|<rule>` on AWS)
    const input = pipelineTemplate();
    const bareName = { 'Fn::Select': [1, { 'Fn::Split': ['|', { Ref: 'Rule' }] }] };
    input.Outputs = { ...input.Outputs, RuleName: { Value: bareName } };
    // WHEN the moto shims are applied
    const { template, applied } = applyMotoShims(input, { stackName: STACK });
    // THEN moto's bare-name Ref is joined to the bus name, so the split finds the rule name second
    expect(template.Outputs?.RuleName?.Value).toEqual({
      'Fn::Select': [
        1,
        { 'Fn::Split': ['|', { 'Fn::Join': ['|', [{ 'Fn::GetAtt': ['Bus', 'Name'] }, { Ref: 'Rule' }]] }] },
      ],
    });
    expect(applied).toContainEqual(
      expect.objectContaining({ shim: 'rule-ref-on-custom-bus', logicalIds: ['Rule'] }),
    );
  });

  it('keeps a mapping that is already disabled out of the report', () => {
    // GIVEN a mapping the template itself disables
    const t = pipelineTemplate();
    if (t.Resources?.Mapping?.Properties) t.Resources.Mapping.Properties.Enabled = false;
    // WHEN the moto shims are applied
    const { applied } = applyMotoShims(t, { stackName: STACK });
    // THEN the shim does not claim it
    expect(applied.some((a) => a.shim === 'sqs-event-source-mapping-disabled')).toBe(false);
  });
});

describe('localArchiveName', () => {
  it('differs between stacks for the same logical id', () => {
    expect(localArchiveName('A', 'BusArchive')).not.toBe(localArchiveName('B', 'BusArchive'));
  });

  it('stays within 48 characters for a long logical id', () => {
    expect(localArchiveName(STACK, 'X'.repeat(200)).length).toBeLessThanOrEqual(48);
  });
});

describe('isSqsEventSource', () => {
  const template = pipelineTemplate();

  it.each([
    ['a GetAtt of a queue of the template', { 'Fn::GetAtt': ['Queue', 'Arn'] }, true],
    ['an SQS ARN', 'arn:aws:sqs:us-east-1:123456789012:q', true],
    ['an imported queue ARN', { 'Fn::ImportValue': 'arn:aws:sqs:x' }, true],
    ['a GetAtt of another resource type', { 'Fn::GetAtt': ['Bus', 'Arn'] }, false],
    ['a Kinesis ARN', 'arn:aws:kinesis:us-east-1:123456789012:stream/s', false],
  ])('recognises %s', (_case, arn, expected) => {
    expect(isSqsEventSource(template, arn)).toBe(expected);
  });
});
