import { describe, expect, it } from '@jest/globals';
import type { CfnTemplate } from '../src/cloud-assembly';
import { applyMotoShims } from '../src/shims';

/** An archive as lib/stacks/pipeline-stack.ts synthesizes it: named after the stage. */
function namedArchiveTemplate(): CfnTemplate {
  return {
    Resources: {
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'OrderPipeline-local' } },
      BusArchive: {
        Type: 'AWS::Events::Archive',
        Properties: {
          ArchiveName: 'OrderPipeline-local',
          SourceArn: { 'Fn::GetAtt': ['Bus', 'Arn'] },
          EventPattern: { source: ['orders.client'] },
          RetentionDays: 1,
        },
      },
    },
    Outputs: { EventArchiveName: { Value: { Ref: 'BusArchive' } } },
  };
}

describe('applyMotoShims on a named archive', () => {
  it('GIVEN an archive with its own name WHEN shimmed THEN the name is kept and the archive-name shim is not reported', () => {
    const { template, applied } = applyMotoShims(namedArchiveTemplate(), {
      stackName: 'OrderPipeline-local-Pipeline',
    });

    expect(template.Resources?.BusArchive?.Properties?.ArchiveName).toBe('OrderPipeline-local');
    expect(applied.map((a) => a.shim)).not.toContain('archive-name');
  });

  it('GIVEN a named archive WHEN shimmed THEN its pattern is still sent as a string and its Ref still read as ArchiveName', () => {
    const { template, applied } = applyMotoShims(namedArchiveTemplate(), {
      stackName: 'OrderPipeline-local-Pipeline',
    });

    expect(template.Resources?.BusArchive?.Properties?.EventPattern).toBe('{"source":["orders.client"]}');
    expect(template.Outputs?.EventArchiveName?.Value).toEqual({
      'Fn::GetAtt': ['BusArchive', 'ArchiveName'],
    });
    expect(applied.map((a) => a.shim)).toEqual(
      expect.arrayContaining(['archive-event-pattern-string', 'archive-ref-to-name']),
    );
  });
});
