#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ConfigError, loadStageConfig, type StageConfig } from '../lib/config';
import { addOrderPipeline } from '../lib/order-pipeline';

// Composition only: pick the stage (`cdk synth -c stage=prod`, default dev) and add its stacks.
const app = new App();

function stageConfig(): StageConfig {
  const stage: unknown = app.node.tryGetContext('stage');
  // `-c faultRate=0.05`: random crashes for the benchmark's faults at load (test stages only).
  const faultRate: unknown = app.node.tryGetContext('faultRate');
  try {
    return loadStageConfig(
      stage === undefined ? undefined : String(stage),
      faultRate === undefined ? {} : { randomFaultRate: Number(faultRate) },
    );
  } catch (error) {
    if (error instanceof ConfigError) {
      // A configuration mistake is the user's to fix: show the message, not a stack trace.
      console.error(`\n${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

addOrderPipeline(app, stageConfig());
