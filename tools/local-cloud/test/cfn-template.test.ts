import { describe, expect, it } from '@jest/globals';
import { type CfnTemplate, referencesIn, referenceTarget, resourcesOfType } from '../src/cfn-template';

describe('resourcesOfType', () => {
  it('lists the resources of one type with their logical ids, in template order', () => {
    // GIVEN a template with two queues and a function
    const template: CfnTemplate = {
      Resources: {
        A: { Type: 'AWS::SQS::Queue' },
        F: { Type: 'AWS::Lambda::Function' },
        B: { Type: 'AWS::SQS::Queue', Properties: { DelaySeconds: 1 } },
      },
    };
    // WHEN the queues are asked for
    // THEN both come back and nothing else
    expect(resourcesOfType(template, 'AWS::SQS::Queue')).toEqual([
      ['A', { Type: 'AWS::SQS::Queue' }],
      ['B', { Type: 'AWS::SQS::Queue', Properties: { DelaySeconds: 1 } }],
    ]);
    expect(resourcesOfType({}, 'AWS::SQS::Queue')).toEqual([]);
  });
});

describe('referenceTarget', () => {
  it('names the logical id of a Ref and of both forms of Fn::GetAtt', () => {
    expect(referenceTarget({ Ref: 'Fn' })).toBe('Fn');
    expect(referenceTarget({ 'Fn::GetAtt': ['Queue', 'Arn'] })).toBe('Queue');
    expect(referenceTarget({ 'Fn::GetAtt': 'Queue.Arn' })).toBe('Queue');
  });

  it('fails to name anything in a literal or another intrinsic', () => {
    expect(referenceTarget('arn:aws:sqs:eu-west-1:1:q')).toBeUndefined();
    expect(referenceTarget({ 'Fn::ImportValue': 'Export' })).toBeUndefined();
    expect(referenceTarget(['Ref'])).toBeUndefined();
  });
});

describe('referencesIn', () => {
  it('finds every reference inside nested intrinsics, imports prefixed', () => {
    // GIVEN an integration URI joined from a partition, a function ARN and an import
    const value = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, { 'Fn::GetAtt': ['Handler', 'Arn'] }]],
      Other: { 'Fn::ImportValue': 'Shared-Fn' },
    };
    // WHEN its references are listed
    // THEN each named logical id and the import come back
    expect(referencesIn(value)).toEqual(['AWS::Partition', 'Handler', 'import:Shared-Fn']);
  });
});
