import { beforeAll, describe, expect, it } from '@jest/globals';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { loadStageConfig } from '../../../lib/config';
import { DataStack } from '../../../lib/stacks/data-stack';
import { normaliseTemplate, resourcesOf, SYNTH_TIMEOUT_MS, synthStage, testApp } from '../support/app';

function synth(stage: 'dev' | 'prod') {
  const stack = new DataStack(testApp(), `Data-${stage}`, { config: loadStageConfig(stage) });
  return { stack, template: Template.fromStack(stack) };
}

function tableIds(stack: DataStack) {
  const id = (table: IConstruct) => stack.getLogicalId(table.node.defaultChild as CfnElement);
  return {
    orders: id(stack.ordersTable),
    inventory: id(stack.inventoryTable),
    analytics: id(stack.analyticsTable),
  };
}

describe.each(['dev', 'prod'] as const)('DataStack (%s)', (stage) => {
  let template: Template;
  let ids: ReturnType<typeof tableIds>;

  beforeAll(() => {
    const synthesized = synth(stage);
    template = synthesized.template;
    ids = tableIds(synthesized.stack);
  }, SYNTH_TIMEOUT_MS);

  it('creates exactly the three tables of docs/design.md and nothing else', () => {
    expect(Object.values(resourcesOf(template)).map((r) => r.Type)).toEqual([
      'AWS::DynamoDB::Table',
      'AWS::DynamoDB::Table',
      'AWS::DynamoDB::Table',
    ]);
  });

  it('keys orders by orderId, inventory and analytics by pk/sk', () => {
    const resources = resourcesOf(template);
    expect(resources[ids.orders]?.Properties?.KeySchema).toEqual([
      { AttributeName: 'orderId', KeyType: 'HASH' },
    ]);
    for (const table of [ids.inventory, ids.analytics]) {
      expect(resources[table]?.Properties?.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
    }
  });

  it('expires analytics seen-event markers through the ttl attribute, and nothing else', () => {
    const resources = resourcesOf(template);
    expect(resources[ids.analytics]?.Properties?.TimeToLiveSpecification).toEqual({
      AttributeName: 'ttl',
      Enabled: true,
    });
    // An order item is its Idempotency-Key's only record: it must never expire
    expect(resources[ids.orders]?.Properties?.TimeToLiveSpecification).toBeUndefined();
    expect(resources[ids.inventory]?.Properties?.TimeToLiveSpecification).toBeUndefined();
  });

  it('makes every table on-demand, encrypted with the AWS managed key, with point-in-time recovery', () => {
    template.allResourcesProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('outputs every table name under a predictable name', () => {
    expect(template.toJSON().Outputs).toEqual({
      OrdersTableName: { Value: { Ref: ids.orders } },
      InventoryTableName: { Value: { Ref: ids.inventory } },
      AnalyticsTableName: { Value: { Ref: ids.analytics } },
    });
  });
});

describe('DataStack removal and deletion protection per stage', () => {
  it('retains and protects every table in prod', () => {
    const { template } = synth('prod');
    for (const table of Object.values(resourcesOf(template))) {
      expect(table).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: { DeletionProtectionEnabled: true },
      });
    }
  });

  it('lets dev tables go with the stack', () => {
    const { template } = synth('dev');
    for (const table of Object.values(resourcesOf(template))) {
      expect(table).toMatchObject({
        DeletionPolicy: 'Delete',
        UpdateReplacePolicy: 'Delete',
        Properties: { DeletionProtectionEnabled: false },
      });
    }
  });
});

describe('DataStack template (prod, as deployed)', () => {
  it('matches its snapshot', () => {
    expect(normaliseTemplate(synthStage('prod').dataTemplate.toJSON())).toMatchSnapshot();
  });
});
