import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * A deployed stage as its stacks' outputs and its dead letters show it, for unit tests of the pipeline
 * client and of the tools on it. aws-sdk-client-mock replaces `send` of every CloudFormationClient, so
 * there is one mock for all of them.
 */
export const cfnMock = mockClient(CloudFormationClient);

export const QUEUE_BASE = 'https://sqs.eu-west-1.amazonaws.com/111111111111';
export const url = (name: string) => `${QUEUE_BASE}/${name}`;

/** The outputs of OrderPipeline-dev-Pipeline, reduced to two steps. */
export const PIPELINE_OUTPUTS: Record<string, string> = {
  EventBusName: 'orders-dev',
  EventBusArn: 'arn:aws:events:eu-west-1:111111111111:event-bus/orders-dev',
  EventArchiveName: 'orders-dev-archive',
  ValidateOrderFunctionName: 'validate-fn',
  ValidateOrderQueueUrl: url('validate-queue'),
  ValidateOrderDlqUrl: url('validate-dlq'),
  ValidateOrderTargetDlqUrl: url('validate-target-dlq'),
  ReserveStockFunctionName: 'reserve-fn',
  ReserveStockQueueUrl: url('reserve-queue'),
  ReserveStockDlqUrl: url('reserve-dlq'),
  ReserveStockTargetDlqUrl: url('reserve-target-dlq'),
};
export const DATA_OUTPUTS: Record<string, string> = {
  OrdersTableName: 'orders-table',
  InventoryTableName: 'inventory-table',
};

export function mockStacks(stage = 'dev'): void {
  const asOutputs = (o: Record<string, string>) =>
    Object.entries(o).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }));
  cfnMock.on(DescribeStacksCommand).callsFake((input: { StackName?: string }) => {
    if (input.StackName === `OrderPipeline-${stage}-Pipeline`) {
      return {
        Stacks: [
          {
            StackName: input.StackName,
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: new Date(),
            Outputs: asOutputs(PIPELINE_OUTPUTS),
          },
        ],
      };
    }
    if (input.StackName === `OrderPipeline-${stage}-Data`) {
      return {
        Stacks: [
          {
            StackName: input.StackName,
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: new Date(),
            Outputs: asOutputs(DATA_OUTPUTS),
          },
        ],
      };
    }
    throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), {
      name: 'ValidationError',
    });
  });
}

/** An EventBridge event as an SQS target receives it. */
export function eventBody(detailType: string, orderId: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: '0',
    id: `eb-${orderId}`,
    'detail-type': detailType,
    source: 'orders.client',
    account: '111111111111',
    time: '2026-11-26T10:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: {
      metadata: {
        eventId: `evt-${orderId}`,
        correlationId: orderId,
        idempotencyKey: `${orderId}:${detailType}`,
      },
      data: {
        orderId,
        customerId: `customer-secret-${orderId}`,
        lines: [{ productId: 'p', quantity: 1, unitPrice: 5 }],
      },
      ...extra,
    },
  });
}
