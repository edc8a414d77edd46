import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { StageConfig } from './config';
import { acknowledgeNagFindings } from './nag-suppressions';
import { stackNames } from './names';
import { DataStack } from './stacks/data-stack';
import { PipelineStack } from './stacks/pipeline-stack';

export const PROJECT_TAG = 'order-pipeline';

export interface OrderPipeline {
  readonly data: DataStack;
  readonly pipeline: PipelineStack;
}

export { stackNames } from './names';

/**
 * Adds one stage of the order pipeline to `app`: the stateful and the stateless stack, their tags,
 * and the cdk-nag rule packs that fail synth on any unacknowledged finding.
 */
export function addOrderPipeline(app: App, config: StageConfig): OrderPipeline {
  const env = { account: config.account, region: config.region };
  const names = stackNames(config.stage);

  const data = new DataStack(app, names.data, {
    env,
    config,
    description: `Order pipeline (${config.stage}): tables`,
    terminationProtection: config.isProduction,
  });
  // `-c runbookUrl=<URL>`: where alarms link when the runbook is not at package.json's repository
  // (a fork not yet renamed there, an internal wiki).
  const runbookUrl: unknown = app.node.tryGetContext('runbookUrl');
  const pipeline = new PipelineStack(app, names.pipeline, {
    env,
    config,
    description: `Order pipeline (${config.stage}): bus, queues and functions`,
    terminationProtection: config.isProduction,
    ordersTable: data.ordersTable,
    inventoryTable: data.inventoryTable,
    analyticsTable: data.analyticsTable,
    runbookUrl: typeof runbookUrl === 'string' ? runbookUrl : undefined,
  });

  for (const stack of [data, pipeline]) {
    Tags.of(stack).add('project', PROJECT_TAG);
    Tags.of(stack).add('stage', config.stage);
  }

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  acknowledgeNagFindings(pipeline);
  return { data, pipeline };
}
