import { beforeAll, describe, expect, it } from '@jest/globals';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadStageConfig } from '../../../lib/config';
import { ARCHIVE_NAME_MAX_LENGTH } from '../../../lib/names';
import { addOrderPipeline } from '../../../lib/order-pipeline';
import { withMessage } from '../../support/with-message';
import { resourcesOf, SYNTH_TIMEOUT_MS, testApp } from '../support/app';

/** The physical names the pipeline stack gives, read from its template. */
function synthNames(stage: string) {
  const { pipeline } = addOrderPipeline(testApp(), loadStageConfig(stage));
  const template = Template.fromStack(pipeline);
  const only = (type: string) => {
    const found = Object.values(resourcesOf(template)).filter((r) => r.Type === type);
    withMessage(type, () => expect(found).toHaveLength(1));
    return found[0]?.Properties ?? {};
  };
  return {
    template,
    stackName: pipeline.stackName,
    archive: only('AWS::Events::Archive'),
    bus: only('AWS::Events::EventBus'),
    dashboard: only('AWS::CloudWatch::Dashboard'),
  };
}

describe.each(['dev', 'prod', 'pr-42'])('the named resources of stage %s', (stage) => {
  let s: ReturnType<typeof synthNames>;
  beforeAll(() => {
    s = synthNames(stage);
  }, SYNTH_TIMEOUT_MS);

  it('names the archive after the stage, within EventBridge’s 48 characters, so it never needs renaming', () => {
    expect(s.archive.ArchiveName).toBe(`OrderPipeline-${stage}`);
    expect(String(s.archive.ArchiveName).length).toBeLessThanOrEqual(ARCHIVE_NAME_MAX_LENGTH);
  });

  it('leaves out the empty KmsKeyIdentifier aws-cdk-lib writes, so the archive uses the AWS owned key', () => {
    s.template.hasResourceProperties('AWS::Events::Archive', { KmsKeyIdentifier: Match.absent() });
    expect(JSON.stringify(s.template.toJSON())).not.toContain('KmsKeyIdentifier');
  });

  it('names the bus and the dashboard after the stage too', () => {
    expect(s.bus.Name).toBe(`OrderPipeline-${stage}`);
    expect(s.dashboard.DashboardName).toBe(`OrderPipeline-${stage}`);
    expect(s.stackName).toBe(`OrderPipeline-${stage}-Pipeline`);
  });
});
