import { beforeAll, describe, expect, it } from '@jest/globals';
import { Template } from 'aws-cdk-lib/assertions';
import { loadStageConfig } from '../../../lib/config';
import {
  ANALYTICS_BATCH_SIZE,
  ANALYTICS_MAX_BATCHING_WINDOW,
  VISIBILITY_TIMEOUT_FACTOR,
} from '../../../lib/defaults';
import { addOrderPipeline } from '../../../lib/order-pipeline';
import { resourcesOf, SYNTH_TIMEOUT_MS, testApp } from '../support/app';

interface ConsumerShape {
  readonly window: unknown;
  readonly batchSize: unknown;
  readonly visibilityTimeout: unknown;
}

/** Per consumer (its POWERTOOLS_SERVICE_NAME): its mapping's batching window and batch size, its queue's visibility timeout. */
function consumers(stage: string): Map<string, ConsumerShape> {
  const { pipeline } = addOrderPipeline(testApp(), loadStageConfig(stage));
  const resources = resourcesOf(Template.fromStack(pipeline));
  const logicalIdOf = (ref: unknown) =>
    (ref as { Ref?: string; 'Fn::GetAtt'?: [string, string] }).Ref ??
    (ref as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
  const shapes = new Map<string, ConsumerShape>();
  for (const mapping of Object.values(resources).filter(
    (r) => r.Type === 'AWS::Lambda::EventSourceMapping',
  )) {
    const fn = resources[logicalIdOf(mapping.Properties?.FunctionName) ?? ''];
    const queue = resources[logicalIdOf(mapping.Properties?.EventSourceArn) ?? ''];
    const name = (fn?.Properties?.Environment as { Variables?: { POWERTOOLS_SERVICE_NAME?: string } })
      ?.Variables?.POWERTOOLS_SERVICE_NAME;
    if (!name) throw new Error('a mapping whose function has no POWERTOOLS_SERVICE_NAME');
    shapes.set(name, {
      window: mapping.Properties?.MaximumBatchingWindowInSeconds,
      batchSize: mapping.Properties?.BatchSize,
      visibilityTimeout: queue?.Properties?.VisibilityTimeout,
    });
  }
  return shapes;
}

const ORDER_STEPS = ['validate-order', 'reserve-stock', 'take-payment', 'release-stock', 'fulfil-order'];

describe.each(['prod', 'local'])('batching windows of the %s stage', (stage) => {
  let shapes: Map<string, ConsumerShape>;
  const timeout = loadStageConfig(stage).functionTimeoutSeconds;

  beforeAll(() => {
    shapes = consumers(stage);
  }, SYNTH_TIMEOUT_MS);

  it('GIVEN the order steps THEN none waits to fill a batch: each invokes with what one poll returns', () => {
    expect([...shapes.keys()].sort()).toEqual([...ORDER_STEPS, 'analytics'].sort());
    for (const step of ORDER_STEPS) {
      expect({ step, ...shapes.get(step) }).toEqual({
        step,
        window: 0,
        batchSize: 10,
        visibilityTimeout: VISIBILITY_TIMEOUT_FACTOR * timeout,
      });
    }
  });

  it('GIVEN analytics THEN it keeps its window, and its queue hides a batch for the window longer', () => {
    const window = ANALYTICS_MAX_BATCHING_WINDOW.toSeconds();

    expect(window).toBeGreaterThan(0);
    expect(shapes.get('analytics')).toEqual({
      window,
      batchSize: ANALYTICS_BATCH_SIZE,
      visibilityTimeout: VISIBILITY_TIMEOUT_FACTOR * timeout + window,
    });
  });
});
