import { describe, expect, it } from '@jest/globals';
import {
  type ResolutionContext,
  resolveStringOrUndefined,
  resolveValue,
  UnresolvableError,
} from '../src/template-resolution';

const ctx: ResolutionContext = {
  region: 'eu-west-1',
  account: '000000000000',
  exports: new Map([['Shared-Issuer', 'https://issuer.example']]),
  stack: {
    stackName: 'Api',
    template: {
      Parameters: { Audience: { Type: 'String', Default: 'orders' } },
      Resources: {
        Role: { Type: 'AWS::IAM::Role', Properties: { Path: '/service/' } },
        Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'Orders' } },
        Table: { Type: 'AWS::DynamoDB::Table' },
      },
    },
    resources: {
      Role: { type: 'AWS::IAM::Role', physicalId: 'Api-Role-1' },
      Table: { type: 'AWS::DynamoDB::Table', physicalId: 'Api-Table-1' },
    },
  },
};

describe('resolveValue', () => {
  it('resolves pseudo parameters, parameter defaults, physical ids, bus names, role ARNs, joins, subs and imports', () => {
    expect(resolveValue(ctx, { Ref: 'AWS::Region' })).toBe('eu-west-1');
    expect(resolveValue(ctx, { Ref: 'Audience' })).toBe('orders');
    expect(resolveValue(ctx, { Ref: 'Table' })).toBe('Api-Table-1');
    expect(resolveValue(ctx, { Ref: 'Bus' })).toBe('Orders');
    expect(resolveValue(ctx, { 'Fn::GetAtt': ['Role', 'Arn'] })).toBe(
      'arn:aws:iam::000000000000:role/service/Api-Role-1',
    );
    expect(resolveValue(ctx, { 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, 'x']] })).toBe('Api-x');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's ${} syntax, not a template literal
    const sub = { 'Fn::Sub': '${Bus.Arn}|${!Literal}' };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's ${} syntax, not a template literal
    const subbed = 'arn:aws:events:eu-west-1:000000000000:event-bus/Orders|${Literal}';
    expect(resolveValue(ctx, sub)).toBe(subbed);
    expect(resolveValue(ctx, { 'Fn::ImportValue': 'Shared-Issuer' })).toBe('https://issuer.example');
  });

  it('fails with what the deployment does not tell', () => {
    expect(() => resolveValue(ctx, { Ref: 'Missing' })).toThrow(
      new UnresolvableError('it references Missing, which is not in the template'),
    );
    expect(() => resolveValue(ctx, { 'Fn::ImportValue': 'Nope' })).toThrow(UnresolvableError);
    expect(() => resolveValue(ctx, { 'Fn::Select': [0, ['a']] })).toThrow(
      'Fn::Select is not resolved locally',
    );
  });
});

describe('resolveStringOrUndefined', () => {
  it('gives a resolved string, and undefined for what is not one or cannot be resolved', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's ${} syntax, not a template literal
    const sub = { 'Fn::Sub': 'https://${AWS::Region}.example' };
    expect(resolveStringOrUndefined(ctx, sub)).toBe('https://eu-west-1.example');
    expect(resolveStringOrUndefined(ctx, 42)).toBeUndefined();
    expect(resolveStringOrUndefined(ctx, { Ref: 'Missing' })).toBeUndefined();
  });
});
