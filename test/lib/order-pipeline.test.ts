import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_TAG, stackNames } from '../../lib/order-pipeline';
import { normaliseTemplate, resourcesOf, SYNTH_TIMEOUT_MS, synthStage } from './support/app';

const synthesized = new Map<'dev' | 'prod', ReturnType<typeof synthStage>>();

/** Each stage synthesized once per file, with CloudFormation schema validation on, as `cdk synth` runs it. */
function stage(name: 'dev' | 'prod') {
  let s = synthesized.get(name);
  if (!s) {
    s = synthStage(name, { cloudFormationValidation: true });
    synthesized.set(name, s);
  }
  return s;
}

describe.each(['dev', 'prod'] as const)('order pipeline app (%s)', (name) => {
  let s: ReturnType<typeof synthStage>;
  let stacks: Stack[];
  beforeAll(() => {
    s = stage(name);
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

  it('synthesizes with an empty validation report (cdk-nag plugins and CloudFormation schema validation)', () => {
    const assembly = s.app.synth();
    const report = JSON.parse(
      readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
    ) as {
      pluginReports: unknown[];
    };
    expect(report.pluginReports).toEqual([]);
  });

  it('raises no CDK warning or error', () => {
    for (const stack of stacks) {
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
      expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    }
  });
});

describe('templates (dev)', () => {
  it('match the data stack snapshot', () => {
    expect(normaliseTemplate(stage('dev').dataTemplate.toJSON())).toMatchSnapshot();
  });

  it('match the pipeline stack snapshot', () => {
    expect(normaliseTemplate(stage('dev').pipelineTemplate.toJSON())).toMatchSnapshot();
  });

  it('carry no asset hash or other run-dependent value once normalised', () => {
    const text = JSON.stringify(normaliseTemplate(stage('dev').pipelineTemplate.toJSON()));
    expect(text).toContain('"S3Key":"[ASSET_HASH].zip"');
    expect(text).not.toMatch(/[0-9a-f]{64}/);
    expect(text).not.toContain(process.cwd());
  });
});
