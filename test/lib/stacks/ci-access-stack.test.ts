import { describe, expect, it } from '@jest/globals';
import { type App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { addCiAccess } from '../../../lib/ci-access';
import { CI_ACCESS_NAG_ACKNOWLEDGEMENTS } from '../../../lib/nag-suppressions';
import { CiAccessStack, type CiAccessStackProps } from '../../../lib/stacks/ci-access-stack';
import { withMessage } from '../../support/with-message';
import { resourcesOf, statementsOf, testApp } from '../support/app';

const REPO = 'acme/orders';
const PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

function build(props: Partial<CiAccessStackProps> = {}) {
  const stack = new CiAccessStack(testApp(), 'CiAccess', {
    repository: REPO,
    deployEnvironments: ['dev', 'pr-stages'],
    ...props,
  });
  const resources = resourcesOf(Template.fromStack(stack));
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const policyOf = (roleId: string) =>
    statementsOf(
      ofType('AWS::IAM::Policy').find(
        ([, p]) => JSON.stringify(p.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]),
      )?.[1],
    );
  return {
    stack,
    resources,
    ofType,
    policyOf,
    id: (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never),
  };
}

/** The ARN pattern a statement names, with the partition and account tokens written out. */
function resourcePattern(resource: unknown): string {
  const parts = (resource as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return parts.map((p) => (typeof p === 'string' ? p : `<${(p as { Ref: string }).Ref}>`)).join('');
}

describe('CiAccessStack', () => {
  it('creates GitHub’s OIDC provider for STS tokens', () => {
    const { ofType } = build();
    expect(ofType('AWS::IAM::OIDCProvider').map(([, r]) => r.Properties)).toEqual([
      expect.objectContaining({
        Url: 'https://token.actions.githubusercontent.com',
        ClientIdList: ['sts.amazonaws.com'],
      }),
    ]);
  });

  it('lets only jobs of the named environments of the repository assume the deploy role, with STS as audience', () => {
    const { resources, id, stack } = build();
    const trust = resources[id(stack.deployRole)]?.Properties?.AssumeRolePolicyDocument as {
      Statement: Record<string, unknown>[];
    };
    expect(trust.Statement).toEqual([
      {
        Action: 'sts:AssumeRoleWithWebIdentity',
        Effect: 'Allow',
        Principal: { Federated: { Ref: id(stack.oidcProvider as never) } },
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': [
              'repo:acme/orders:environment:dev',
              'repo:acme/orders:environment:pr-stages',
            ],
          },
        },
      },
    ]);
  });

  it('allows the deploy role nothing but assuming the CDK bootstrap roles', () => {
    const { resources, id, stack, policyOf } = build();
    expect(resources[id(stack.deployRole)]?.Properties?.ManagedPolicyArns).toBeUndefined();
    const statements = policyOf(id(stack.deployRole));
    expect(statements.map((s) => [s.Effect, s.Action, resourcePattern(s.Resource)])).toEqual([
      [
        'Allow',
        ['sts:AssumeRole', 'sts:TagSession'],
        'arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cdk-hnb659fds-*',
      ],
    ]);
  });

  it('has no test role unless test environments are named', () => {
    const { stack, ofType } = build();
    expect(stack.testRole).toBeUndefined();
    expect(ofType('AWS::IAM::Role')).toHaveLength(1);
  });

  it('GIVEN test environments WHEN built THEN a test role they alone may assume gets item-level actions on pull request stages only', () => {
    const { stack, resources, id, policyOf } = build({ testEnvironments: ['pr-stages'] });
    const testRole = stack.testRole;
    expect(testRole).toBeDefined();
    const trust = JSON.stringify(resources[id(testRole as never)]?.Properties?.AssumeRolePolicyDocument);
    expect(trust).toContain(
      '"token.actions.githubusercontent.com:sub":["repo:acme/orders:environment:pr-stages"]',
    );
    const statements = policyOf(id(testRole as never)).map((s) => [s.Action, resourcePattern(s.Resource)]);
    expect(statements).toEqual([
      ['events:PutEvents', 'arn:<AWS::Partition>:events:*:<AWS::AccountId>:event-bus/OrderPipeline-pr-*'],
      [
        ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
        'arn:<AWS::Partition>:dynamodb:*:<AWS::AccountId>:table/OrderPipeline-pr-*',
      ],
      [
        [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ReceiveMessage',
          'sqs:SendMessage',
        ],
        'arn:<AWS::Partition>:sqs:*:<AWS::AccountId>:OrderPipeline-pr-*',
      ],
      [
        'lambda:GetFunctionConfiguration',
        'arn:<AWS::Partition>:lambda:*:<AWS::AccountId>:function:OrderPipeline-pr-*',
      ],
      ['logs:FilterLogEvents', 'arn:<AWS::Partition>:logs:*:<AWS::AccountId>:log-group:OrderPipeline-pr-*'],
    ]);
  });

  it('GIVEN the account’s existing provider WHEN built THEN it trusts that one and creates none', () => {
    const { ofType, resources, id, stack } = build({ oidcProviderArn: PROVIDER });
    expect(ofType('AWS::IAM::OIDCProvider')).toEqual([]);
    expect(JSON.stringify(resources[id(stack.deployRole)]?.Properties?.AssumeRolePolicyDocument)).toContain(
      `"Federated":"${PROVIDER}"`,
    );
  });

  it('fails for a repository that is not owner/name', () => {
    expect(() => build({ repository: 'https://github.com/acme/orders' })).toThrow(
      /repository .* must be owner\/name/,
    );
  });

  it('fails without deploy environments', () => {
    expect(() => build({ deployEnvironments: [] })).toThrow(/deployEnvironments is empty/);
  });

  it('fails for an environment name that would widen the trust (a wildcard, a colon)', () => {
    for (const environment of ['*', 'prod:*', 'dev ref']) {
      withMessage(environment, () =>
        expect(() => build({ deployEnvironments: [environment] })).toThrow(
          /must be a GitHub environment name/,
        ),
      );
      withMessage(environment, () =>
        expect(() => build({ testEnvironments: [environment] })).toThrow(/must be a GitHub environment name/),
      );
    }
  });
});

describe('cdk-nag on the CI access stack', () => {
  const findings = (app: App) =>
    [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
      pack.validateScope(app).violations.flatMap((v) => v.violatingResources.map(() => v.ruleName)),
    );
  const acknowledged = (app: App) =>
    app.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((m) => Object.keys(m.data as Record<string, string>)),
      );

  it('GIVEN both roles WHEN checked THEN every finding is acknowledged, each by its exact resource', () => {
    const app = testApp();
    addCiAccess(app, {
      repository: REPO,
      deployEnvironments: ['dev', 'pr-stages'],
      testEnvironments: ['pr-stages'],
    });
    expect(findings(app)).toEqual([]);
    const ids = Object.values(CI_ACCESS_NAG_ACKNOWLEDGEMENTS).map((a) => a.id);
    expect(
      acknowledged(app)
        .map((k) => k.replace(/^annotation::/i, ''))
        .sort(),
    ).toEqual(ids.sort());
    for (const id of ids) expect(id).toMatch(/^AwsSolutions-IAM5\[Resource::arn:.+\*\]$/);
  });

  it('GIVEN the acknowledgements are left out WHEN checked THEN cdk-nag reports the wildcards', () => {
    const app = testApp();
    new CiAccessStack(app, 'Bare', {
      repository: REPO,
      deployEnvironments: ['dev'],
      testEnvironments: ['pr-stages'],
    });
    expect(findings(app).filter((f) => f.startsWith('AwsSolutions-IAM5')).length).toBeGreaterThanOrEqual(6);
  });
});
