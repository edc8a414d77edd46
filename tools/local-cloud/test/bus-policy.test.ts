import { describe, expect, it } from '@jest/globals';
import { arnMatches, type PolicyStack, resolveBusPolicies } from '../src/bus-policy';
import type { CfnTemplate } from '../src/cloud-assembly';
import { principalAccessKeyId, principalEnvironment } from '../src/principals';

const ENV = { region: 'us-east-1', account: '123456789012' };
const BUS_ARN = 'arn:aws:events:us-east-1:123456789012:event-bus/orders';
const PAY_ROLE = 'Pipeline-PayRole-ABC';
const PAY_ROLE_ARN = `arn:aws:iam::123456789012:role/${PAY_ROLE}`;

/** The bus ARN as CDK's formatArn writes it. */
const BUS_ARN_JOIN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':events:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':event-bus/orders',
    ],
  ],
};

/** A Deny of one source to everyone but one role, in the shape CDK synthesizes it. */
function denyStatement(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Sid: 'OnlyPayPuts',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 'events:PutEvents',
    Resource: BUS_ARN_JOIN,
    Condition: {
      StringEquals: { 'events:source': 'orders.pay' },
      ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': ['PayRole', 'Arn'] } },
    },
    ...overrides,
  };
}

function stack(resources: CfnTemplate['Resources'], extra: Partial<PolicyStack> = {}): PolicyStack {
  return {
    stackName: 'Pipeline',
    template: { Resources: resources },
    outputs: {},
    resources: {
      PayRole: { type: 'AWS::IAM::Role', physicalId: PAY_ROLE },
      Bus: { type: 'AWS::Events::EventBus' },
    },
    ...extra,
  };
}

function busWithPolicy(statements: unknown[]): CfnTemplate['Resources'] {
  return {
    PayRole: { Type: 'AWS::IAM::Role', Properties: {} },
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'orders', Policy: { Statement: statements } } },
  };
}

describe('resolveBusPolicies', () => {
  it('resolves a Deny of a source to all but one role into its condition on the role’s ARN', () => {
    // GIVEN a bus whose policy keeps orders.pay for the pay role
    // WHEN the deployed stack is resolved
    const { policies, notes } = resolveBusPolicies([stack(busWithPolicy([denyStatement()]))], ENV);
    // THEN the bus has that statement with the role's deployed ARN, the role is a principal, nothing is left out
    expect(policies.buses).toEqual({
      orders: {
        arn: BUS_ARN,
        statements: [
          {
            sid: 'OnlyPayPuts',
            origin: 'Pipeline/Bus',
            conditions: [
              { operator: 'StringEquals', key: 'events:source', values: ['orders.pay'] },
              { operator: 'ArnNotEquals', key: 'aws:PrincipalArn', values: [PAY_ROLE_ARN] },
            ],
          },
        ],
      },
    });
    expect(policies.principals).toEqual({ [principalAccessKeyId(PAY_ROLE_ARN)]: PAY_ROLE_ARN });
    expect(notes).toEqual([]);
  });

  it('reads EventBusPolicy resources onto the bus they name: a Ref, an ARN, or the default bus', () => {
    // GIVEN three EventBusPolicy resources naming their bus in each way CloudFormation accepts
    const resources: CfnTemplate['Resources'] = {
      ...busWithPolicy([]),
      ByRef: {
        Type: 'AWS::Events::EventBusPolicy',
        Properties: { EventBusName: { Ref: 'Bus' }, StatementId: 'a', Statement: denyStatement() },
      },
      ByArn: {
        Type: 'AWS::Events::EventBusPolicy',
        Properties: {
          EventBusName: BUS_ARN,
          StatementId: 'b',
          Statement: denyStatement({ Sid: undefined, Resource: undefined }),
        },
      },
      Default: {
        Type: 'AWS::Events::EventBusPolicy',
        Properties: {
          StatementId: 'c',
          Statement: denyStatement({
            Resource: {
              // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's ${} syntax, not a template literal
              'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default',
            },
          }),
        },
      },
    };
    // WHEN resolved
    const { policies, notes } = resolveBusPolicies([stack(resources)], ENV);
    // THEN orders has the first two, default the third
    expect(policies.buses.orders?.statements.map((s) => s.origin)).toEqual([
      'Pipeline/ByRef',
      'Pipeline/ByArn',
    ]);
    expect(policies.buses.default).toMatchObject({
      arn: 'arn:aws:events:us-east-1:123456789012:event-bus/default',
      statements: [{ origin: 'Pipeline/Default' }],
    });
    expect(notes).toEqual([]);
  });

  it('resolves a role of another stack through its export, and a role path into its ARN', () => {
    // GIVEN a role with a path in one stack, exported, and a bus policy in another importing its ARN
    const roles: PolicyStack = {
      stackName: 'Roles',
      template: {
        Resources: { PayRole: { Type: 'AWS::IAM::Role', Properties: { Path: '/service/' } } },
        Outputs: {
          PayRoleArn: {
            Value: { 'Fn::GetAtt': ['PayRole', 'Arn'] },
            // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's ${} syntax, not a template literal
            Export: { Name: { 'Fn::Sub': '${AWS::StackName}-PayRoleArn' } },
          },
        },
      },
      outputs: { PayRoleArn: `arn:aws:iam::123456789012:role/service/${PAY_ROLE}` },
      resources: { PayRole: { type: 'AWS::IAM::Role', physicalId: PAY_ROLE } },
    };
    const importing = denyStatement({
      Condition: {
        StringEquals: { 'events:source': 'orders.pay' },
        ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::ImportValue': 'Roles-PayRoleArn' } },
      },
    });
    const bus: CfnTemplate['Resources'] = {
      Bus: {
        Type: 'AWS::Events::EventBus',
        Properties: { Name: 'orders', Policy: { Statement: [importing] } },
      },
    };
    // WHEN both are resolved
    const { policies, notes } = resolveBusPolicies([roles, stack(bus)], ENV);
    // THEN the condition names the role's ARN with its path, and the role signs with that ARN's key
    const arn = `arn:aws:iam::123456789012:role/service/${PAY_ROLE}`;
    expect(policies.buses.orders?.statements[0]?.conditions[1]).toEqual({
      operator: 'ArnNotEquals',
      key: 'aws:PrincipalArn',
      values: [arn],
    });
    expect(policies.principals[principalAccessKeyId(arn)]).toBe(arn);
    expect(notes).toEqual([]);
  });

  it('keeps the principals a Deny names, and enforces a Deny of events:* on PutEvents with a note', () => {
    // GIVEN a Deny of every events action to one role
    const statement = denyStatement({
      Principal: { AWS: [{ 'Fn::GetAtt': ['PayRole', 'Arn'] }] },
      Action: ['events:*'],
      Condition: { StringLike: { 'events:detail-type': 'Order*' } },
    });
    // WHEN resolved
    const { policies, notes } = resolveBusPolicies([stack(busWithPolicy([statement]))], ENV);
    // THEN it applies to that role's PutEvents, and what it denies beyond is reported
    expect(policies.buses.orders?.statements).toEqual([
      {
        sid: 'OnlyPayPuts',
        origin: 'Pipeline/Bus',
        principals: [PAY_ROLE_ARN],
        conditions: [{ operator: 'StringLike', key: 'events:detail-type', values: ['Order*'] }],
      },
    ]);
    expect(notes).toEqual([
      'Pipeline/Bus statement OnlyPayPuts: enforced for events:PutEvents only; what it denies beyond (events:*) is not enforced locally',
    ]);
  });

  it('lists a bus without a policy with no statements, so an emulator reused from an earlier deployment drops its own', () => {
    const resources = busWithPolicy([]);
    delete resources?.Bus?.Properties?.Policy;
    const { policies, notes } = resolveBusPolicies([stack(resources)], ENV);
    expect(policies.buses).toEqual({ orders: { arn: BUS_ARN, statements: [] } });
    expect(notes).toEqual([]);
  });

  it('leaves out, without a note, a statement whose resource is another bus', () => {
    const statement = denyStatement({ Resource: 'arn:aws:events:us-east-1:123456789012:event-bus/other' });
    const { policies, notes } = resolveBusPolicies([stack(busWithPolicy([statement]))], ENV);
    expect(policies.buses.orders?.statements).toEqual([]);
    expect(notes).toEqual([]);
  });

  it.each([
    ['an Allow', { Effect: 'Allow' }, /an Allow, not evaluated: the emulator allows every request anyway/],
    [
      'a NotPrincipal',
      { Principal: undefined, NotPrincipal: { AWS: PAY_ROLE_ARN } },
      /NotPrincipal is not evaluated/,
    ],
    [
      'another action',
      { Action: 'events:PutRule' },
      /it denies events:PutRule; only events:PutEvents is enforced/,
    ],
    [
      'an IfExists operator',
      { Condition: { StringEqualsIfExists: { 'events:source': 'orders.pay' } } },
      /condition operator StringEqualsIfExists is not evaluated locally/,
    ],
    [
      'a key outside the entry’s context',
      { Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } },
      /condition key aws:SourceAccount is not in the local request context/,
    ],
    ['an account principal', { Principal: { AWS: '123456789012' } }, /principal 123456789012 \(an account\)/],
    ['a service principal', { Principal: { Service: 'lambda.amazonaws.com' } }, /its Service principal/],
    [
      'a reference it cannot resolve',
      { Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': ['Fn', 'Arn'] } } } },
      /it references Fn, which is not in the template/,
    ],
  ])('fails to enforce a statement with %s, and says so', (_what, overrides, reason) => {
    // GIVEN a bus policy with the statement
    const statement = denyStatement(overrides);
    // WHEN resolved
    const { policies, notes } = resolveBusPolicies([stack(busWithPolicy([statement]))], ENV);
    // THEN it is not enforced, and the note names it and why
    expect(policies.buses.orders?.statements).toEqual([]);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^Pipeline\/Bus statement OnlyPayPuts: /);
    expect(notes[0]).toMatch(reason);
  });

  it('matches key names case-insensitively, as IAM does, and writes them as documented', () => {
    const statement = denyStatement({ Condition: { StringEquals: { 'EVENTS:Source': 'orders.pay' } } });
    const { policies } = resolveBusPolicies([stack(busWithPolicy([statement]))], ENV);
    expect(policies.buses.orders?.statements[0]?.conditions).toEqual([
      { operator: 'StringEquals', key: 'events:source', values: ['orders.pay'] },
    ]);
  });
});

describe('arnMatches', () => {
  it('matches IAM wildcards within each part of an ARN, the resource part with its colons', () => {
    expect(arnMatches(PAY_ROLE_ARN, PAY_ROLE_ARN)).toBe(true);
    expect(arnMatches('arn:aws:iam::123456789012:role/Pipeline-*', PAY_ROLE_ARN)).toBe(true);
    expect(arnMatches('arn:aws:iam::*:role/Pipeline-PayRole-AB?', PAY_ROLE_ARN)).toBe(true);
    expect(arnMatches('arn:aws:iam::123456789012:role/Other-*', PAY_ROLE_ARN)).toBe(false);
    // A wildcard does not reach into the next part.
    expect(arnMatches('arn:aws:iam::*:role/x', 'arn:aws:iam::123456789012:path:role/x')).toBe(false);
    expect(arnMatches('arn:aws:logs:*:*:log-group:/a:*', 'arn:aws:logs:us-east-1:1:log-group:/a:b')).toBe(
      true,
    );
  });
});

describe('principalAccessKeyId', () => {
  it('gives each principal a stable key id shaped as Lambda’s temporary ones', () => {
    const key = principalAccessKeyId(PAY_ROLE_ARN);
    expect(key).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(principalAccessKeyId(PAY_ROLE_ARN)).toBe(key);
    expect(principalAccessKeyId(`${PAY_ROLE_ARN}2`)).not.toBe(key);
  });

  it('gives a process without a principal no credentials of its own', () => {
    expect(principalEnvironment(undefined)).toEqual({});
    expect(principalEnvironment(PAY_ROLE_ARN)).toMatchObject({
      AWS_ACCESS_KEY_ID: principalAccessKeyId(PAY_ROLE_ARN),
    });
  });
});
