import { describe, expect, it } from '@jest/globals';
import { Template } from 'aws-cdk-lib/assertions';
import { ConfigError, loadStageConfig } from '../../../lib/config';
import { MAX_CONCURRENCY } from '../../../lib/defaults';
import { addOrderPipeline } from '../../../lib/order-pipeline';
import { resourcesOf, SYNTH_TIMEOUT_MS, testApp } from '../support/app';

/** The MaximumConcurrency of every SQS event source mapping of the stage's pipeline stack. */
function mappingConcurrency(overrides: Parameters<typeof loadStageConfig>[1] = {}): unknown[] {
  const { pipeline } = addOrderPipeline(testApp(), loadStageConfig('dev', overrides));
  return Object.values(resourcesOf(Template.fromStack(pipeline)))
    .filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping')
    .map(
      (r) =>
        (r.Properties?.ScalingConfig as { MaximumConcurrency?: unknown } | undefined)?.MaximumConcurrency,
    );
}

describe('consumerMaxConcurrency (a stage setting)', () => {
  it('defaults to MAX_CONCURRENCY in every declared stage', () => {
    for (const stage of ['dev', 'local', 'prod']) {
      expect(loadStageConfig(stage).consumerMaxConcurrency).toBe(MAX_CONCURRENCY);
    }
  });

  it(
    'GIVEN a stage set to 3 WHEN synthesized THEN each of the six queues drives at most 3 invocations',
    () => {
      expect(mappingConcurrency({ consumerMaxConcurrency: 3 })).toEqual([3, 3, 3, 3, 3, 3]);
    },
    SYNTH_TIMEOUT_MS,
  );

  it('fails below 2 and above 1000, the limits of SQS event source maximum concurrency, naming the field', () => {
    for (const value of [1, 1001, 2.5]) {
      expect(() => loadStageConfig('dev', { consumerMaxConcurrency: value })).toThrow(ConfigError);
      expect(() => loadStageConfig('dev', { consumerMaxConcurrency: value })).toThrow(
        /consumerMaxConcurrency:/,
      );
    }
  });
});
