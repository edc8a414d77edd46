import { describe, expect, it } from 'vitest';
import { demoTargets, malformedCheck } from '../../../local/demo/drive';
import type { MalformedEvent } from '../../../local/demo/scenario';
import type { Deployment } from '../../../local/deploy';

const MALFORMED: MalformedEvent = {
  id: 'demo-ab12-malformed',
  detailType: 'OrderPlaced',
  detail: { metadata: { correlationId: 'demo-ab12-malformed' }, data: { lines: [{ quantity: 0 }] } },
  defect: 'a line of 0 units',
};

/** The body SQS holds for an event EventBridge delivered: its envelope around the detail. */
function body(detail: unknown, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: '0',
    id: 'eb-1',
    'detail-type': 'OrderPlaced',
    source: 'orders.pipeline',
    account: '123456789012',
    time: '2026-11-26T12:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
    ...overrides,
  });
}

describe('malformedCheck', () => {
  it('recognises the malformed event with the detail it was sent with', () => {
    // GIVEN a DLQ body carrying the same detail (keys in another order)
    const detail = { data: { lines: [{ quantity: 0 }] }, metadata: { correlationId: 'demo-ab12-malformed' } };
    // WHEN checked
    // THEN it is the original body
    expect(malformedCheck(body(detail), MALFORMED)).toBe('original-body');
  });

  it('fails a body whose detail, source or detail type changed', () => {
    // GIVEN bodies of the malformed event that differ from what was sent
    const changedDetail = { ...MALFORMED.detail, data: { lines: [] } };
    // WHEN checked
    // THEN each is a changed body
    expect(malformedCheck(body(changedDetail), MALFORMED)).toBe('changed-body');
    expect(malformedCheck(body(MALFORMED.detail, { source: 'other' }), MALFORMED)).toBe('changed-body');
    expect(malformedCheck(body(MALFORMED.detail, { 'detail-type': 'OrderValidated' }), MALFORMED)).toBe(
      'changed-body',
    );
  });

  it('does not mistake another message, or one that is not JSON, for it', () => {
    // GIVEN another order's event and a body that is not JSON
    // WHEN checked
    // THEN neither is the malformed event
    expect(malformedCheck(body({ metadata: { correlationId: 'demo-ab12-001-ok' } }), MALFORMED)).toBe(
      'absent',
    );
    expect(malformedCheck('not json', MALFORMED)).toBe('absent');
    expect(malformedCheck(undefined, MALFORMED)).toBe('absent');
  });
});

describe('demoTargets', () => {
  it('reads tables, bus and queues from the stack outputs, DLQs apart from source queues', () => {
    // GIVEN a deployment with the pipeline's outputs
    const deployment = {
      endpoint: 'http://127.0.0.1:5000',
      region: 'us-east-1',
      assemblyDirectory: '/tmp/cdk.out',
      uploadMs: 0,
      stacks: [
        {
          outputs: {
            OrdersTableName: 'orders',
            InventoryTableName: 'inventory',
            AnalyticsTableName: 'analytics',
          },
        },
        {
          outputs: {
            EventBusName: 'bus',
            ValidateOrderQueueUrl: 'q-validate',
            ValidateOrderDlqUrl: 'dlq-validate',
            ValidateOrderTargetDlqUrl: 'tdlq-validate',
            ValidateOrderFunctionName: 'fn',
          },
        },
      ],
    } as unknown as Deployment;
    // WHEN the targets are read
    // THEN each output is where the demo expects it
    expect(demoTargets(deployment)).toEqual({
      eventBusName: 'bus',
      ordersTable: 'orders',
      inventoryTable: 'inventory',
      analyticsTable: 'analytics',
      queues: { ValidateOrderQueueUrl: 'q-validate' },
      deadLetterQueues: { ValidateOrderDlqUrl: 'dlq-validate', ValidateOrderTargetDlqUrl: 'tdlq-validate' },
    });
  });
});
