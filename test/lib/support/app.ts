import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadStageConfig, type StageConfig } from '../../../lib/config';
import { addOrderPipeline } from '../../../lib/order-pipeline';
import { DataStack } from '../../../lib/stacks/data-stack';
import { PipelineStack } from '../../../lib/stacks/pipeline-stack';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');
export const LOCK_FILE = path.join(PROJECT_ROOT, 'package-lock.json');

/** The feature flags `cdk synth` uses (cdk.json), so tests synthesize what the CLI deploys. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

/**
 * An App with cdk.json's feature flags and bundling skipped (no esbuild run, placeholder assets).
 * The CloudFormation schema validation built into synth costs seconds per process: test/bin/app.test.ts
 * runs it once, on the prod stage, as `cdk synth` does.
 */
export function testApp(): App {
  return new App({
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
}

const ASSET_HASH = /[0-9a-f]{64}/g;

/** A template with what varies between machines and runs (asset hashes, hence S3 keys) replaced. */
export function normaliseTemplate<T>(template: T): T {
  return JSON.parse(JSON.stringify(template).replace(ASSET_HASH, '[ASSET_HASH]')) as T;
}

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown> } & Record<string, unknown>
>;

/** The resources of a template, typed loosely for direct inspection. */
export function resourcesOf(template: { toJSON(): Record<string, unknown> }): Resources {
  return (template.toJSON().Resources ?? {}) as Resources;
}

function synthesize(stage: 'dev' | 'prod') {
  const app = testApp();
  const config = loadStageConfig(stage);
  const pipeline = addOrderPipeline(app, config);
  return {
    app,
    config,
    ...pipeline,
    dataTemplate: Template.fromStack(pipeline.data),
    pipelineTemplate: Template.fromStack(pipeline.pipeline),
  };
}

const synthesized = new Map<'dev' | 'prod', ReturnType<typeof synthesize>>();

/**
 * Both stacks of a stage, composed exactly as bin/app.ts does, synthesized on first use and shared by
 * every later test of the worker (jest gives each test file its own modules, so: of the file). Tests
 * only read it.
 */
export function synthStage(stage: 'dev' | 'prod'): ReturnType<typeof synthesize> {
  let s = synthesized.get(stage);
  if (!s) {
    s = synthesize(stage);
    synthesized.set(stage, s);
  }
  return s;
}

/** Both stacks of a stage without what addOrderPipeline adds (tags, cdk-nag packs and acknowledgements). */
export function bareStacks(app: App, config: StageConfig): { data: DataStack; pipeline: PipelineStack } {
  const data = new DataStack(app, 'Data', { config });
  const pipeline = new PipelineStack(app, 'Pipeline', {
    config,
    ordersTable: data.ordersTable,
    inventoryTable: data.inventoryTable,
    analyticsTable: data.analyticsTable,
  });
  return { data, pipeline };
}

export interface PolicyStatement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly [key: string]: unknown;
}

/** The statements of an IAM or queue policy resource. */
export function statementsOf(
  resource: { Properties?: Record<string, unknown> } | undefined,
): PolicyStatement[] {
  const document = resource?.Properties?.PolicyDocument as { Statement?: PolicyStatement[] } | undefined;
  return document?.Statement ?? [];
}

/** Synthesizing a whole stage is CPU-bound, and slower on a busy machine than jest's 5 s default timeout. */
export const SYNTH_TIMEOUT_MS = 60_000;
