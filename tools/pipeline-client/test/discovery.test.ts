import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { deadLetterQueuesFrom, discoverPipeline, findDlq, kebabCase } from '../src/discovery';
import { UnknownQueueError } from '../src/errors';
import { cfnMock, mockStacks, PIPELINE_OUTPUTS, url } from './support/fake-stage';

describe('deadLetterQueuesFrom', () => {
  it('GIVEN the pipeline stack outputs WHEN read THEN each step has a queue DLQ and a target DLQ, both redriving to the step’s queue', () => {
    expect(deadLetterQueuesFrom(PIPELINE_OUTPUTS)).toEqual([
      {
        name: 'reserve-stock-dlq',
        kind: 'source',
        step: 'reserve-stock',
        url: url('reserve-dlq'),
        sourceQueueUrl: url('reserve-queue'),
      },
      {
        name: 'reserve-stock-target-dlq',
        kind: 'target',
        step: 'reserve-stock',
        url: url('reserve-target-dlq'),
        sourceQueueUrl: url('reserve-queue'),
      },
      {
        name: 'validate-order-dlq',
        kind: 'source',
        step: 'validate-order',
        url: url('validate-dlq'),
        sourceQueueUrl: url('validate-queue'),
      },
      {
        name: 'validate-order-target-dlq',
        kind: 'target',
        step: 'validate-order',
        url: url('validate-target-dlq'),
        sourceQueueUrl: url('validate-queue'),
      },
    ]);
  });

  it('turns construct ids into step names', () => {
    expect(['ValidateOrder', 'FulfilOrder', 'Analytics'].map(kebabCase)).toEqual([
      'validate-order',
      'fulfil-order',
      'analytics',
    ]);
  });
});

describe('discoverPipeline', () => {
  const cfn = new CloudFormationClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  beforeEach(() => {
    cfnMock.reset();
    mockStacks('dev');
  });

  it('GIVEN both stacks of the stage WHEN discovered THEN bus, archive and DLQs come from their outputs', async () => {
    const r = await discoverPipeline(cfn, 'dev');
    expect(r).toMatchObject({
      stage: 'dev',
      stacks: { data: 'OrderPipeline-dev-Data', pipeline: 'OrderPipeline-dev-Pipeline' },
      eventBusName: 'orders-dev',
      archiveName: 'orders-dev-archive',
    });
    expect(r.dlqs).toHaveLength(4);
    expect(r.outputs.OrdersTableName).toBe('orders-table');
  });

  it('fails with the stack name and what to do when the stage is not deployed', async () => {
    await expect(discoverPipeline(cfn, 'prod')).rejects.toThrow(
      /stack OrderPipeline-prod-Pipeline does not exist.*deploy stage prod first, or pass the --stage/,
    );
  });
});

describe('findDlq', () => {
  const resources = {
    stage: 'dev',
    stacks: { data: 'd', pipeline: 'p' },
    eventBusName: 'b',
    eventBusArn: 'arn',
    archiveName: 'a',
    dlqs: deadLetterQueuesFrom(PIPELINE_OUTPUTS),
    outputs: PIPELINE_OUTPUTS,
  };

  it.each([['reserve-stock-dlq'], [url('reserve-dlq')], ['reserve-dlq'], ['ReserveStockDlqUrl']])(
    'GIVEN %s WHEN looked up THEN it is the reserve-stock queue DLQ',
    (query) => {
      expect(findDlq(resources, query).name).toBe('reserve-stock-dlq');
    },
  );

  it('fails on an unknown queue, listing the known names', () => {
    expect(() => findDlq(resources, 'reserve-dlq-typo')).toThrow(UnknownQueueError);
    expect(() => findDlq(resources, 'reserve-dlq-typo')).toThrow(
      'unknown queue "reserve-dlq-typo" in stage dev. Known dead-letter queues: reserve-stock-dlq, reserve-stock-target-dlq, validate-order-dlq, validate-order-target-dlq',
    );
  });
});
