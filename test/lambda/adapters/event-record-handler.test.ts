import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { eventRecordHandler } from '../../../lambda/adapters/event-record-handler';
import { logger } from '../../../lambda/adapters/observability';
import { OrderPlaced } from '../../../lambda/contracts';
import { anOrder, detailOf, eventRecord, SECRET_CUSTOMER_ID, sqsRecord } from '../support/events';
import { captureOutput } from '../support/logs';

let output: ReturnType<typeof captureOutput>;

beforeEach(() => {
  output = captureOutput();
  logger.setLogLevel('INFO');
});

afterEach(() => {
  output.restore();
});

describe('eventRecordHandler', () => {
  it('GIVEN a valid record WHEN handled THEN the step gets the typed detail and its logs carry the identifiers', async () => {
    const detail = detailOf(OrderPlaced, anOrder({ orderId: 'order-7' }));
    const handle = eventRecordHandler({
      accepts: [OrderPlaced],
      handle: async (_event, { logger: log, receiveCount }) => {
        log.info('step ran', { receiveCount });
        return { outcome: 'transitioned', published: 'OrderValidated' };
      },
    });

    const result = await handle(eventRecord(OrderPlaced, detail, { messageId: 'm-7', receiveCount: 2 }));

    expect(result).toEqual({ outcome: 'transitioned', published: 'OrderValidated' });
    expect(output.entries().find((e) => e.message === 'step ran')).toMatchObject({
      messageId: 'm-7',
      orderId: 'order-7',
      eventId: detail.metadata.eventId,
      detailType: 'OrderPlaced',
      receiveCount: 2,
    });
    expect(output.text()).not.toContain(SECRET_CUSTOMER_ID);
  });

  it('fails an invalid record, logging issue paths and codes without any personal data (scenario 7)', async () => {
    const detail = detailOf(OrderPlaced, anOrder({ orderId: 'order-8' }));
    const broken = { ...detail, data: { ...detail.data, totalAmount: -5 } };
    const handle = eventRecordHandler({
      accepts: [OrderPlaced],
      handle: async () => ({ outcome: 'duplicate' }),
    });

    await expect(handle(eventRecord(OrderPlaced, broken, { messageId: 'm-8' }))).rejects.toThrow(
      'not a valid event',
    );

    const warning = output.entries().find((e) => e.level === 'WARN');
    expect(warning).toMatchObject({
      messageId: 'm-8',
      issues: [{ path: 'detail.data.totalAmount', code: 'too_small' }],
    });
    expect(output.text()).not.toContain(SECRET_CUSTOMER_ID);
  });

  it('fails a record whose step throws, logging the error with the record identifiers', async () => {
    const handle = eventRecordHandler({
      accepts: [OrderPlaced],
      handle: async () => {
        throw new Error('table unavailable');
      },
    });
    const record = eventRecord(OrderPlaced, detailOf(OrderPlaced, anOrder({ orderId: 'order-9' })), {
      messageId: 'm-9',
    });

    await expect(handle(record)).rejects.toThrow('table unavailable');

    expect(output.entries().find((e) => e.level === 'ERROR')).toMatchObject({
      messageId: 'm-9',
      orderId: 'order-9',
      error: { message: 'table unavailable' },
    });
  });

  it('fails malformed JSON without echoing the body', async () => {
    const handle = eventRecordHandler({
      accepts: [OrderPlaced],
      handle: async () => ({ outcome: 'duplicate' }),
    });

    await expect(handle(sqsRecord(`{"customerId":"${SECRET_CUSTOMER_ID}"`))).rejects.toThrow('invalid_json');

    expect(output.text()).toContain('invalid_json');
    expect(output.text()).not.toContain(SECRET_CUSTOMER_ID);
  });
});
