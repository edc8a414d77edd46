import { type CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { type CloudWatchClient, GetDashboardCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeArchiveCommand,
  DescribeEventBusCommand,
  type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import { GetAccountSettingsCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { describeError } from './errors';
import type { NamedResource, StageRequirements } from './stage-requirements';

/**
 * `npm run ops -- preflight`: what a stage's first (or next) deploy needs of the account, checked
 * before CloudFormation finds out halfway through. Each check says what to change when it fails.
 */

/** fail blocks the deploy; warn is worth a look; skip could not be checked here. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly summary: string;
  /** What to do about a warn or fail, one step per line. */
  readonly fix?: readonly string[];
}

export interface PreflightClients {
  readonly sts: STSClient;
  readonly ssm: SSMClient;
  readonly lambda: LambdaClient;
  readonly cfn: CloudFormationClient;
  readonly events: EventBridgeClient;
  readonly cloudwatch: CloudWatchClient;
}

export interface PreflightContext {
  readonly clients: PreflightClients;
  /** The region the clients send to. */
  readonly region: string;
  /** AWS_ENDPOINT_URL: an emulator, where quotas and the bootstrap stack do not exist. */
  readonly endpoint?: string;
}

export interface PreflightReport {
  readonly stage: string;
  readonly region: string;
  readonly account?: string;
  readonly checks: readonly Check[];
}

/** Lambda's quota code for "Concurrent executions" in Service Quotas. */
export const CONCURRENCY_QUOTA_CODE = 'L-B99A9384';

/** The SQS event source's maximum concurrency has this floor: no consumer can be set lower. */
const MIN_CONSUMER_CONCURRENCY = 2;

const errorName = (err: unknown) => (err as { name?: string }).name ?? '';

/** Stack states a deploy cannot start from, and what gets it out of each. */
function blockedStackState(status: string, stackName: string): string[] | undefined {
  if (status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS') {
    return [
      `wait until the running operation ends (aws cloudformation describe-stacks --stack-name ${stackName}), then run preflight again`,
    ];
  }
  switch (status) {
    case 'ROLLBACK_COMPLETE':
    case 'ROLLBACK_FAILED':
      return [
        `its first create failed and cannot be updated: delete it (aws cloudformation delete-stack --stack-name ${stackName}), read why in its events, then deploy`,
      ];
    case 'UPDATE_ROLLBACK_FAILED':
      return [
        `finish the rollback first: aws cloudformation continue-update-rollback --stack-name ${stackName}`,
      ];
    case 'DELETE_FAILED':
      return [
        `delete it again, retaining what failed to delete if it must stay: aws cloudformation delete-stack --stack-name ${stackName}`,
      ];
    default:
      return undefined;
  }
}

async function describeStack(cfn: CloudFormationClient, stackName: string): Promise<Stack | undefined> {
  try {
    return (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (err) {
    if (/does not exist/i.test((err as Error).message ?? '')) return undefined;
    throw err;
  }
}

/** Whether a resource with this fixed name exists in the account and region. */
async function nameTaken(clients: PreflightClients, resource: NamedResource): Promise<boolean> {
  try {
    if (resource.kind === 'event bus')
      await clients.events.send(new DescribeEventBusCommand({ Name: resource.name }));
    else if (resource.kind === 'archive')
      await clients.events.send(new DescribeArchiveCommand({ ArchiveName: resource.name }));
    else await clients.cloudwatch.send(new GetDashboardCommand({ DashboardName: resource.name }));
    return true;
  } catch (err) {
    if (/ResourceNotFound/.test(errorName(err))) return false;
    throw err;
  }
}

function checkRegion(req: StageRequirements, region: string): Check {
  if (req.region && req.region !== region) {
    return {
      name: 'region',
      status: 'fail',
      summary: `stage ${req.stage} is pinned to ${req.region} in lib/config.ts, but these credentials target ${region}`,
      fix: [`pass --region ${req.region} (or AWS_REGION=${req.region}), the region cdk deploy will use`],
    };
  }
  return {
    name: 'region',
    status: 'ok',
    summary: `${region}${req.region ? ' (pinned in lib/config.ts)' : ''}`,
  };
}

async function checkAccount(
  req: StageRequirements,
  ctx: PreflightContext,
): Promise<{ check: Check; account?: string }> {
  try {
    const identity = await ctx.clients.sts.send(new GetCallerIdentityCommand({}));
    const account = identity.Account ?? '';
    if (req.account && req.account !== account) {
      return {
        account,
        check: {
          name: 'account',
          status: 'fail',
          summary: `stage ${req.stage} is pinned to account ${req.account} in lib/config.ts, but these credentials are of ${account}`,
          fix: [`use credentials (AWS_PROFILE) of account ${req.account}`],
        },
      };
    }
    return {
      account,
      check: { name: 'account', status: 'ok', summary: `${account} as ${identity.Arn ?? '?'}` },
    };
  } catch (err) {
    return {
      check: {
        name: 'account',
        status: 'fail',
        summary: `no usable credentials: ${describeError(err)}`,
        fix: [
          'sign in (aws sso login, AWS_PROFILE) with credentials of the target account, then run preflight again',
        ],
      },
    };
  }
}

async function checkBootstrap(
  req: StageRequirements,
  ctx: PreflightContext,
  account: string,
): Promise<Check> {
  const name = 'bootstrap';
  if (ctx.endpoint) {
    return {
      name,
      status: 'skip',
      summary:
        'not checked on an emulator: the local deployer creates the stacks without the CDK bootstrap stack',
    };
  }
  const { version: needed, parameter } = req.bootstrap;
  const bootstrap = `npx cdk bootstrap aws://${account}/${ctx.region}`;
  try {
    const res = await ctx.clients.ssm.send(new GetParameterCommand({ Name: parameter }));
    const version = Number(res.Parameter?.Value);
    if (!Number.isInteger(version) || version < needed) {
      return {
        name,
        status: 'fail',
        summary: `bootstrap version ${res.Parameter?.Value ?? '?'} (${parameter}); the templates need ${needed} or newer`,
        fix: [`${bootstrap} (updates the CDKToolkit stack in place)`],
      };
    }
    return {
      name,
      status: 'ok',
      summary: `version ${version} (${parameter}); the templates need ${needed} or newer`,
    };
  } catch (err) {
    if (errorName(err) === 'ParameterNotFound') {
      return {
        name,
        status: 'fail',
        summary: `${account} is not bootstrapped in ${ctx.region} (no ${parameter})`,
        fix: [`${bootstrap} (once per account and region)`],
      };
    }
    return {
      name,
      status: 'warn',
      summary: `could not read ${parameter}: ${describeError(err)}`,
      fix: [
        'check with credentials that may call ssm:GetParameter; cdk deploy reads it through its deploy role',
      ],
    };
  }
}

async function checkConcurrency(req: StageRequirements, ctx: PreflightContext): Promise<Check> {
  const name = 'concurrency';
  const { perConsumer, total } = req.concurrency;
  const consumers = perConsumer.length;
  const largest = Math.max(0, ...perConsumer);
  const need = `${consumers} consumers x up to ${largest} = ${total} concurrent executions`;
  if (ctx.endpoint) {
    return {
      name,
      status: 'skip',
      summary: `not checked on an emulator, which has no Lambda concurrency quota (the stage needs ${need})`,
    };
  }
  try {
    const { AccountLimit } = await ctx.clients.lambda.send(new GetAccountSettingsCommand({}));
    const limit = AccountLimit?.ConcurrentExecutions ?? 0;
    const unreserved = AccountLimit?.UnreservedConcurrentExecutions ?? limit;
    const summary = `the stage needs ${need}; the account has ${unreserved} unreserved of ${limit}`;
    if (total <= unreserved) return { name, status: 'ok', summary };
    const reserved = limit - unreserved;
    // The default quota of an established account; a lower request would leave no room for other functions.
    const desired = Math.max(1_000, reserved + total);
    const perConsumerFit = Math.floor(unreserved / Math.max(1, consumers));
    return {
      name,
      status: 'fail',
      summary: `${summary}: a burst would throttle the pipeline and starve the account's other functions`,
      fix: [
        `ask for a higher Lambda quota: aws service-quotas request-service-quota-increase --service-code lambda --quota-code ${CONCURRENCY_QUOTA_CODE} --desired-value ${desired} --region ${ctx.region}`,
        perConsumerFit >= MIN_CONSUMER_CONCURRENCY
          ? `or lower consumerMaxConcurrency of stage ${req.stage} in lib/config.ts to ${perConsumerFit} or less`
          : `lowering consumerMaxConcurrency cannot help: its minimum, ${MIN_CONSUMER_CONCURRENCY}, needs ${consumers * MIN_CONSUMER_CONCURRENCY}`,
      ],
    };
  } catch (err) {
    return {
      name,
      status: 'warn',
      summary: `could not read the account's Lambda settings: ${describeError(err)}`,
    };
  }
}

/** One check per stack: free, updatable, or in a state (or owned by something) a deploy cannot start from. */
async function checkStacks(
  req: StageRequirements,
  ctx: PreflightContext,
): Promise<{ checks: Check[]; existing: Set<string> }> {
  const existing = new Set<string>();
  const checks = await Promise.all(
    req.stacks.map(async ({ name: stackName, tags }): Promise<Check> => {
      const name = `stack ${stackName}`;
      try {
        const stack = await describeStack(ctx.clients.cfn, stackName);
        if (!stack) return { name, status: 'ok', summary: 'not deployed yet: the deploy creates it' };
        existing.add(stackName);
        const status = stack.StackStatus ?? 'UNKNOWN';
        const blocked = blockedStackState(status, stackName);
        if (blocked) return { name, status: 'fail', summary: `exists in state ${status}`, fix: blocked };
        const actual = new Map((stack.Tags ?? []).map((t) => [t.Key, t.Value]));
        const expected = Object.entries(tags);
        // Untagged stacks (made by hand, say) are not judged: only tags that disagree name another owner.
        if (
          actual.size > 0 &&
          expected.length > 0 &&
          expected.every(([key, value]) => actual.get(key) !== value)
        ) {
          return {
            name,
            status: 'fail',
            summary: `exists in state ${status} without this app's tags (${expected.map(([k, v]) => `${k}=${v}`).join(', ')}): another application owns the name`,
            fix: [`deploy under another stage name, or delete ${stackName} if nothing needs it`],
          };
        }
        const protection = stack.EnableTerminationProtection ? ', termination protection on' : '';
        return {
          name,
          status: 'ok',
          summary: `exists in state ${status}${protection}: the deploy updates it`,
        };
      } catch (err) {
        return { name, status: 'warn', summary: `could not describe it: ${describeError(err)}` };
      }
    }),
  );
  return { checks, existing };
}

/** Fixed names must be free unless their own stack already holds them: CloudFormation cannot adopt them. */
async function checkNames(
  req: StageRequirements,
  ctx: PreflightContext,
  existing: Set<string>,
): Promise<Check[]> {
  return Promise.all(
    req.namedResources.map(async (resource): Promise<Check> => {
      const name = `${resource.kind} ${resource.name}`;
      if (existing.has(resource.stack)) return { name, status: 'ok', summary: `held by ${resource.stack}` };
      try {
        if (!(await nameTaken(ctx.clients, resource))) return { name, status: 'ok', summary: 'name is free' };
        return {
          name,
          status: 'fail',
          summary: `exists outside ${resource.stack}: creating the stack would fail on it`,
          fix: [`delete that ${resource.kind} if nothing needs it, or deploy under another stage name`],
        };
      } catch (err) {
        return { name, status: 'warn', summary: `could not check: ${describeError(err)}` };
      }
    }),
  );
}

export async function runPreflight(req: StageRequirements, ctx: PreflightContext): Promise<PreflightReport> {
  const checks: Check[] = [checkRegion(req, ctx.region)];
  const { check: accountCheck, account } = await checkAccount(req, ctx);
  checks.push(accountCheck);
  if (account === undefined) {
    checks.push({
      name: 'the rest',
      status: 'skip',
      summary: 'bootstrap, concurrency, stacks and names need credentials',
    });
    return { stage: req.stage, region: ctx.region, checks };
  }
  const [bootstrap, concurrency, stacks] = await Promise.all([
    checkBootstrap(req, ctx, account),
    checkConcurrency(req, ctx),
    checkStacks(req, ctx),
  ]);
  checks.push(bootstrap, concurrency, ...stacks.checks, ...(await checkNames(req, ctx, stacks.existing)));
  return { stage: req.stage, region: ctx.region, account, checks };
}

export function preflightBlocked(report: PreflightReport): boolean {
  return report.checks.some((c) => c.status === 'fail');
}
