import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { PROJECT_TAG, stackNames } from '../../lib/order-pipeline';
import { resourcesOf, SYNTH_TIMEOUT_MS, synthStage } from './support/app';

describe.each(['dev', 'prod'] as const)('order pipeline app (%s)', (name) => {
  let s: ReturnType<typeof synthStage>;
  let stacks: Stack[];
  beforeAll(() => {
    s = synthStage(name);
    stacks = [s.data, s.pipeline];
  }, SYNTH_TIMEOUT_MS);

  it('names its stacks OrderPipeline-<stage>-Data and OrderPipeline-<stage>-Pipeline', () => {
    expect(stacks.map((x) => x.stackName)).toEqual([
      `OrderPipeline-${name}-Data`,
      `OrderPipeline-${name}-Pipeline`,
    ]);
    expect(stackNames(name)).toEqual({ data: s.data.stackName, pipeline: s.pipeline.stackName });
  });

  it('deploys the pipeline after the tables it uses', () => {
    expect(s.pipeline.dependencies).toEqual([s.data]);
  });

  it(`${name === 'prod' ? 'protects' : 'does not protect'} its stacks from termination`, () => {
    expect(stacks.map((x) => x.terminationProtection)).toEqual([name === 'prod', name === 'prod']);
  });

  it('tags every taggable resource with the project and the stage', () => {
    let tagged = 0;
    for (const template of [s.dataTemplate, s.pipelineTemplate]) {
      for (const resource of Object.values(resourcesOf(template))) {
        const tags = resource.Properties?.Tags;
        if (tags === undefined) continue;
        tagged += 1;
        const asObject = Array.isArray(tags)
          ? Object.fromEntries((tags as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]))
          : tags;
        expect(asObject).toMatchObject({ project: PROJECT_TAG, stage: name });
      }
    }
    expect(tagged).toBeGreaterThan(50);
  });

  it('has zero unacknowledged cdk-nag findings, errors or warnings (AwsSolutions, Serverless)', () => {
    for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
      const report = pack.validateScope(s.app);
      expect(report.violations).toEqual([]);
      expect(report.success).toBe(true);
    }
  });

  it('raises no CDK warning or error', () => {
    for (const stack of stacks) {
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
      expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    }
  });
});
