import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DeployError } from '../src/deploy-error';
import type { Emulator } from '../src/emulator';
import { createStack } from '../src/stack-operations';

const cfnMock = mockClient(CloudFormationClient);
const emulator = { isMoto: false, recentLog: () => [] } as unknown as Emulator;
const TEMPLATE = { Resources: {} };

beforeEach(() => {
  cfnMock.reset();
});

describe('createStack', () => {
  it('GIVEN the stack reaches CREATE_COMPLETE WHEN created THEN it returns the stack with its outputs', async () => {
    cfnMock.on(CreateStackCommand).resolves({ StackId: 'id' });
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'S',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [{ OutputKey: 'K', OutputValue: 'v' }],
        },
      ],
    });
    const stack = await createStack(new CloudFormationClient({}), emulator, 'S', TEMPLATE, {});
    expect(stack.Outputs).toEqual([{ OutputKey: 'K', OutputValue: 'v' }]);
  });

  it('fails with the status, its reason and the failed resources when the stack rolls back', async () => {
    cfnMock.on(CreateStackCommand).resolves({ StackId: 'id' });
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'S',
          StackStatus: 'ROLLBACK_COMPLETE',
          StackStatusReason: 'The following resource(s) failed to create: [Queue]',
          CreationTime: new Date(),
        },
      ],
    });
    cfnMock.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        {
          StackId: 'id',
          StackName: 'S',
          EventId: 'e1',
          Timestamp: new Date(),
          LogicalResourceId: 'Queue',
          ResourceType: 'AWS::SQS::Queue',
          ResourceStatus: 'CREATE_FAILED',
          ResourceStatusReason: 'bad visibility timeout',
        },
      ],
    });
    const created = createStack(new CloudFormationClient({}), emulator, 'S', TEMPLATE, {});
    await expect(created).rejects.toThrow(DeployError);
    await expect(created).rejects.toThrow(
      'stack S ended ROLLBACK_COMPLETE: The following resource(s) failed to create: [Queue]\n  Queue (AWS::SQS::Queue): bad visibility timeout',
    );
  });

  it('fails naming the stack deleted when a failed creation removed it (OnFailure DELETE)', async () => {
    cfnMock.on(CreateStackCommand).resolves({ StackId: 'id' });
    cfnMock
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id S does not exist'), { name: 'ValidationError' }));
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    await expect(createStack(new CloudFormationClient({}), emulator, 'S', TEMPLATE, {})).rejects.toThrow(
      'stack S ended deleted',
    );
  });
});
