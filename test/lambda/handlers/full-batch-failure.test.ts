import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { logger } from '../../../lambda/adapters/observability';
import { lambdaContext, sqsEvent, sqsRecord } from '../support/events';
import { useHandlerHarness } from '../support/handler-harness';

/** Every function of the pipeline: the Lambda service reads each one's answer the same way. */
const HANDLERS_DIR = path.resolve(__dirname, '../../../lambda/handlers');
const HANDLERS = readdirSync(HANDLERS_DIR).filter((file) => file.endsWith('.ts'));

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const output = useHandlerHarness();

beforeAll(() => {
  logger.setLogLevel('WARN');
});

describe.each(HANDLERS)('the %s handler when every record of a batch fails', (file) => {
  let handler: Handler;
  beforeAll(async () => {
    handler = ((await import(path.join(HANDLERS_DIR, file))) as { handler: Handler }).handler;
  });

  it('GIVEN one invalid record alone WHEN handled THEN it answers with that record as a batch item failure and does not throw', async () => {
    // GIVEN the usual shape of a poison message at low traffic: a batch of one
    const event = sqsEvent(sqsRecord('not json', { messageId: 'm-poison' }));
    // WHEN handled
    const response = await handler(event, lambdaContext);
    // THEN a partial batch answer: Lambda redelivers that record only, and counts no function error
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-poison' }] });
    expect(output.entries().find((e) => e.messageId === 'm-poison')).toMatchObject({
      level: 'WARN',
      issues: [{ path: 'body', code: 'invalid_json' }],
    });
  });

  it('GIVEN several records that all fail WHEN handled THEN each is listed, none acknowledged', async () => {
    const event = sqsEvent(
      sqsRecord('{', { messageId: 'm-1' }),
      sqsRecord('[]', { messageId: 'm-2' }),
      sqsRecord('null', { messageId: 'm-3' }),
    );

    const response = await handler(event, lambdaContext);

    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m-1', 'm-2', 'm-3']);
  });
});

it('covers the six functions', () => {
  expect(HANDLERS).toHaveLength(6);
});
