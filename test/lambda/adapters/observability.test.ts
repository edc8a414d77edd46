import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { logger, metrics, withObservability } from '../../../lambda/adapters/observability';
import { lambdaContext } from '../support/events';
import { captureOutput } from '../support/logs';

let output: ReturnType<typeof captureOutput>;

beforeEach(() => {
  output = captureOutput();
  logger.setLogLevel('INFO');
});

afterEach(() => {
  output.restore();
  jest.restoreAllMocks();
});

describe('withObservability', () => {
  it('GIVEN a handler WHEN invoked THEN logs carry the Lambda context and the stage, and metrics are flushed', async () => {
    const flush = jest.spyOn(metrics, 'publishStoredMetrics');
    const handler = withObservability({ stage: 'test' }, async () => {
      logger.info('inside');
      metrics.addMetric('Inside', 'Count', 1);
      return 'done';
    });

    expect(await handler({}, lambdaContext)).toBe('done');

    expect(output.entries().find((e) => e.message === 'inside')).toMatchObject({
      stage: 'test',
      function_request_id: 'request-1',
      function_name: 'order-pipeline-test',
    });
    expect(flush).toHaveBeenCalledTimes(1);
  });

  it('GIVEN a log line WHEN written THEN it has Powertools’ keys in its order, without function_arn, function_memory_size and sampling_rate', async () => {
    const handler = withObservability({ stage: 'test' }, async () => {
      logger.info('order transitioned', { orderId: 'ord-1' });
      logger.error('record failed', new Error('boom'));
    });

    await handler({}, lambdaContext);

    const [info, error] = output.entries();
    expect(Object.keys(info ?? {})).toEqual([
      'level',
      'message',
      'timestamp',
      'service',
      'cold_start',
      'function_name',
      'function_request_id',
      'stage',
      'orderId',
    ]);
    expect(info).toMatchObject({ level: 'INFO', message: 'order transitioned', orderId: 'ord-1' });
    expect(error).toMatchObject({ level: 'ERROR', error: { name: 'Error', message: 'boom' } });
    expect(output.text()).not.toMatch(/function_arn|function_memory_size|sampling_rate/);
  });

  it('fails the whole invocation with the handler error, logging it once and still flushing metrics', async () => {
    const flush = jest.spyOn(metrics, 'publishStoredMetrics');
    const handler = withObservability({ stage: 'test' }, async () => {
      metrics.addMetric('FailedRecords', 'Count', 1);
      throw new Error('All records failed processing');
    });

    await expect(handler({}, lambdaContext)).rejects.toThrow('All records failed processing');

    expect(output.entries().filter((e) => e.level === 'ERROR')).toHaveLength(1);
    expect(flush).toHaveBeenCalledTimes(1);
  });

  it('GIVEN a handler that counts nothing WHEN invoked THEN nothing is flushed and nothing logged about it', async () => {
    const flush = jest.spyOn(metrics, 'publishStoredMetrics');
    const handler = withObservability({ stage: 'test' }, async () => 'read');

    expect(await handler({}, lambdaContext)).toBe('read');

    expect(flush).not.toHaveBeenCalled();
    expect(output.text()).not.toContain('No application metrics');
  });
});

describe('the tracer, where the stage bundles it', () => {
  async function freshObservability(bundled: string | undefined) {
    jest.resetModules();
    if (bundled === undefined) delete process.env.POWERTOOLS_TRACER_BUNDLED;
    else process.env.POWERTOOLS_TRACER_BUNDLED = bundled;
    try {
      return await import('../../../lambda/adapters/observability');
    } finally {
      delete process.env.POWERTOOLS_TRACER_BUNDLED;
    }
  }

  it('GIVEN a bundle without the tracer WHEN a client is traced THEN it is the same client, untouched', async () => {
    const { tracer, traced } = await freshObservability(undefined);
    const client = { middlewareStack: { add: jest.fn() } };

    expect(tracer).toBeUndefined();
    expect(traced(client)).toBe(client);
    expect(client.middlewareStack.add).not.toHaveBeenCalled();
  });

  it('GIVEN a bundle with the tracer WHEN a client is traced THEN the tracer captures its calls', async () => {
    const { tracer, traced } = await freshObservability('true');
    expect(tracer).toBeDefined();
    const capture = jest.spyOn(tracer as NonNullable<typeof tracer>, 'captureAWSv3Client');
    const client = { middlewareStack: { add: jest.fn() } };

    traced(client);

    expect(capture).toHaveBeenCalledWith(client);
  });
});
