import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { OrderApi, type OrderApiProps } from '../../../lib/constructs/order-api';
import { LOCK_FILE, PROJECT_ROOT, SYNTH_TIMEOUT_MS, testApp } from '../support/app';

const API_HANDLERS = path.join(PROJECT_ROOT, 'lambda', 'handlers', 'api');

function build(props: Partial<OrderApiProps> = {}) {
  const stack = new Stack(testApp(), 'Test');
  const api = new OrderApi(stack, 'Api', {
    placeOrderEntry: path.join(API_HANDLERS, 'place-order.ts'),
    getOrderEntry: path.join(API_HANDLERS, 'get-order.ts'),
    ordersTable: Table.fromTableName(stack, 'Orders', 'orders'),
    eventBusName: 'orders-bus',
    authorization: { type: 'iam' },
    throttle: { rateLimit: 10, burstLimit: 20 },
    environment: { STAGE: 'dev' },
    depsLockFilePath: LOCK_FILE,
    ...props,
  });
  return { stack, api };
}

describe('OrderApi environment', () => {
  it(
    'gives each function the variables its handler reads',
    () => {
      // GIVEN an API with a stage WHEN synthesized THEN both functions carry their maps' variables
      const { stack } = build();
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: {
            STAGE: 'dev',
            POWERTOOLS_SERVICE_NAME: 'place-order',
            EVENT_BUS_NAME: 'orders-bus',
            ORDERS_TABLE: 'orders',
            AUTHORIZATION_TYPE: 'iam',
          },
        },
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: { STAGE: 'dev', POWERTOOLS_SERVICE_NAME: 'get-order', ORDERS_TABLE: 'orders' },
        },
      });
    },
    SYNTH_TIMEOUT_MS,
  );

  it('fails at synth, naming the function and the variable, when a value its handler would refuse reaches it', () => {
    // GIVEN a blank bus name WHEN the API is built THEN it refuses before place-order could fail at cold start
    expect(() => build({ eventBusName: ' ' })).toThrow(
      "OrderApi Test/Api: place-order's EVENT_BUS_NAME is invalid: must not be empty.",
    );
  });

  it('fails at synth naming STAGE when the shared environment leaves it out', () => {
    expect(() => build({ environment: { POWERTOOLS_LOG_LEVEL: 'INFO' } })).toThrow(
      "OrderApi Test/Api: place-order's STAGE is not set: its handler reads it.",
    );
  });
});
