import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetDashboardCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeArchiveCommand, DescribeEventBusCommand } from '@aws-sdk/client-eventbridge';
import { GetAccountSettingsCommand } from '@aws-sdk/client-lambda';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { loadStageConfig } from '../../../lib/config';
import { addOrderPipeline } from '../../../lib/order-pipeline';
import { restoreEnv, stubEnv } from '../../../test/lambda/support/env';
import { cdkJsonContext } from '../../../test/lib/support/app';
import { withMessage } from '../../../test/support/with-message';
import { UsageError } from '../src/errors';
import { runPreflight } from '../src/preflight';
import { type OpsClients, runOps } from '../src/program';
import { readStageRequirements } from '../src/stage-requirements';
import {
  capture,
  cfnMock,
  cloudwatchMock,
  eventsMock,
  lambdaMock,
  mockedClients,
  resetMocks,
  ssmMock,
  stsMock,
} from './support/fake-aws';

const ACCOUNT = '111111111111';
const STACKS = ['OrderPipeline-dev-Data', 'OrderPipeline-dev-Pipeline'];
const assemblies: string[] = [];

/** `cdk synth -c stage=<stage> -o <dir>`, bundling skipped, once per stage for the whole file. */
function synthesize(stage: string): string {
  const outdir = mkdtempSync(path.join(tmpdir(), `preflight-test-${stage}-`));
  assemblies.push(outdir);
  const app = new App({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  addOrderPipeline(app, loadStageConfig(stage));
  app.synth();
  return outdir;
}

let devAssembly: string;
beforeAll(() => {
  devAssembly = synthesize('dev');
}, 60_000);
afterAll(() => {
  for (const dir of assemblies) rmSync(dir, { recursive: true, force: true });
});

const notFound = (name: string, message: string) => Object.assign(new Error(message), { name });

/** A healthy, bootstrapped account with the default quota, where the stage is not deployed yet. */
beforeEach(() => {
  restoreEnv();
  resetMocks();
  stsMock.on(GetCallerIdentityCommand).resolves({
    Account: ACCOUNT,
    Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/someone`,
  });
  ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: '27' } });
  lambdaMock
    .on(GetAccountSettingsCommand)
    .resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } });
  cfnMock.on(DescribeStacksCommand).callsFake((input: { StackName?: string }) => {
    throw notFound('ValidationError', `Stack with id ${input.StackName} does not exist`);
  });
  eventsMock.on(DescribeEventBusCommand).rejects(notFound('ResourceNotFoundException', 'not found'));
  eventsMock.on(DescribeArchiveCommand).rejects(notFound('ResourceNotFoundException', 'not found'));
  cloudwatchMock.on(GetDashboardCommand).rejects(notFound('ResourceNotFound', 'Dashboard does not exist'));
});

async function preflight(
  args = `--assembly ${devAssembly}`,
  options: { env?: Record<string, string>; clients?: () => OpsClients } = {},
) {
  const stdout = capture();
  const stderr = capture();
  const code = await runOps(['preflight', ...args.split(' ').filter(Boolean)], {
    io: { stdout, stderr },
    env: options.env ?? {},
    clients: options.clients ?? (() => mockedClients()),
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** The line of one check, e.g. `FAIL  concurrency  ...`. */
const line = (stdout: string, name: string) =>
  stdout.split('\n').find((l) => new RegExp(`^ {2}\\S+\\s+${name} `).test(l)) ?? '';

describe('ops preflight on AWS', () => {
  it('GIVEN a bootstrapped account with room and no stacks of the stage WHEN run THEN nothing blocks and it exits 0', async () => {
    const r = await preflight();
    withMessage(r.stderr, () => expect(r.code).toBe(0));
    expect(r.stdout).toMatch(/^Preflight of stage dev in eu-west-1, account 111111111111/);
    expect(line(r.stdout, 'region')).toMatch(/ok\s+region\s+eu-west-1/);
    expect(line(r.stdout, 'account')).toMatch(/ok\s+account\s+111111111111 as arn:aws:sts::/);
    expect(line(r.stdout, 'bootstrap')).toMatch(
      /ok .*version 27 \(\/cdk-bootstrap\/hnb659fds\/version\); the templates need 6 or newer/,
    );
    expect(line(r.stdout, 'concurrency')).toMatch(
      /ok .*6 consumers x up to 10 = 60 concurrent executions; the account has 1000 unreserved of 1000/,
    );
    for (const stack of STACKS) {
      expect(line(r.stdout, `stack ${stack}`)).toMatch(/ok .*not deployed yet: the deploy creates it/);
    }
    for (const name of ['event bus', 'archive', 'dashboard']) {
      expect(line(r.stdout, `${name} OrderPipeline-dev`)).toMatch(/ok .*name is free/);
    }
    expect(r.stdout).toMatch(/Nothing blocks a deploy: npx cdk deploy --all -c stage=dev/);
    expect(ssmMock.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: '/cdk-bootstrap/hnb659fds/version',
    });
  });

  it('fails for a new account whose quota of 10 cannot hold the stage, naming the quota to raise', async () => {
    lambdaMock
      .on(GetAccountSettingsCommand)
      .resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    const r = await preflight();
    expect(r.code).toBe(1);
    expect(line(r.stdout, 'concurrency')).toMatch(
      /FAIL .*needs 6 consumers x up to 10 = 60 .* 10 unreserved of 10/,
    );
    expect(r.stdout).toContain(
      '-> ask for a higher Lambda quota: aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value 1000 --region eu-west-1',
    );
    expect(r.stdout).toMatch(/-> lowering consumerMaxConcurrency cannot help: its minimum, 2, needs 12/);
    expect(r.stdout).toMatch(/Blocked: 1 check failed/);
  });

  it('fails when other functions reserve too much, and says how low consumerMaxConcurrency must go', async () => {
    lambdaMock
      .on(GetAccountSettingsCommand)
      .resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 50 } });
    const r = await preflight();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('--desired-value 1010');
    expect(r.stdout).toContain(
      '-> or lower consumerMaxConcurrency of stage dev in lib/config.ts to 8 or less',
    );
  });

  it('fails for an account that is not bootstrapped, giving the bootstrap command', async () => {
    ssmMock.on(GetParameterCommand).rejects(notFound('ParameterNotFound', ''));
    const r = await preflight();
    expect(r.code).toBe(1);
    expect(line(r.stdout, 'bootstrap')).toMatch(/FAIL .*111111111111 is not bootstrapped in eu-west-1/);
    expect(r.stdout).toContain(
      '-> npx cdk bootstrap aws://111111111111/eu-west-1 (once per account and region)',
    );
  });

  it('fails for a bootstrap stack older than the templates need', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: '5' } });
    const r = await preflight();
    expect(r.code).toBe(1);
    expect(line(r.stdout, 'bootstrap')).toMatch(
      /FAIL .*bootstrap version 5 .* the templates need 6 or newer/,
    );
  });

  it('GIVEN a failed first create and a deployed pipeline stack WHEN run THEN it fails the one and lets the other be updated', async () => {
    cfnMock.on(DescribeStacksCommand).callsFake((input: { StackName?: string }) => ({
      Stacks: [
        input.StackName === STACKS[0]
          ? { StackName: input.StackName, StackStatus: 'ROLLBACK_COMPLETE', CreationTime: new Date() }
          : {
              StackName: input.StackName,
              StackStatus: 'UPDATE_COMPLETE',
              CreationTime: new Date(),
              Tags: [{ Key: 'project', Value: 'order-pipeline' }],
            },
      ],
    }));
    const r = await preflight();
    expect(r.code).toBe(1);
    expect(line(r.stdout, `stack ${STACKS[0]}`)).toMatch(/FAIL .*exists in state ROLLBACK_COMPLETE/);
    expect(r.stdout).toContain(`aws cloudformation delete-stack --stack-name ${STACKS[0]}`);
    expect(line(r.stdout, `stack ${STACKS[1]}`)).toMatch(
      /ok .*exists in state UPDATE_COMPLETE: the deploy updates it/,
    );
    // The named resources belong to the deployed stack: not looked up.
    expect(line(r.stdout, 'event bus OrderPipeline-dev')).toMatch(/ok .*held by OrderPipeline-dev-Pipeline/);
    expect(eventsMock.commandCalls(DescribeEventBusCommand)).toHaveLength(0);
  });

  it('fails while an operation runs on a stack of the stage', async () => {
    cfnMock.on(DescribeStacksCommand).callsFake((input: { StackName?: string }) => ({
      Stacks: [{ StackName: input.StackName, StackStatus: 'DELETE_IN_PROGRESS', CreationTime: new Date() }],
    }));
    const r = await preflight();
    expect(r.code).toBe(1);
    expect(line(r.stdout, `stack ${STACKS[0]}`)).toMatch(/FAIL .*exists in state DELETE_IN_PROGRESS/);
    expect(r.stdout).toContain(
      `-> wait until the running operation ends (aws cloudformation describe-stacks --stack-name ${STACKS[0]})`,
    );
  });

  it('fails for a stack of that name that another application owns', async () => {
    cfnMock.on(DescribeStacksCommand).callsFake((input: { StackName?: string }) => {
      if (input.StackName !== STACKS[1]) throw notFound('ValidationError', 'does not exist');
      return {
        Stacks: [
          {
            StackName: input.StackName,
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: new Date(),
            Tags: [{ Key: 'project', Value: 'billing' }],
          },
        ],
      };
    });
    const r = await preflight();
    expect(r.code).toBe(1);
    expect(line(r.stdout, `stack ${STACKS[1]}`)).toMatch(
      /FAIL .*without this app's tags \(project=order-pipeline, stage=dev\)/,
    );
  });

  it('fails when a bus of the stage’s name exists outside its stack', async () => {
    eventsMock.on(DescribeEventBusCommand).resolves({ Name: 'OrderPipeline-dev' });
    const r = await preflight();
    expect(r.code).toBe(1);
    expect(line(r.stdout, 'event bus OrderPipeline-dev')).toMatch(
      /FAIL .*exists outside OrderPipeline-dev-Pipeline: creating the stack would fail on it/,
    );
  });

  it('fails without credentials and checks nothing else', async () => {
    stsMock
      .on(GetCallerIdentityCommand)
      .rejects(notFound('CredentialsProviderError', 'Could not load credentials'));
    const r = await preflight();
    expect(r.code).toBe(1);
    expect(line(r.stdout, 'account')).toMatch(/FAIL .*no usable credentials: CredentialsProviderError/);
    expect(line(r.stdout, 'the rest')).toMatch(/skip .*need credentials/);
    expect(ssmMock.calls()).toHaveLength(0);
  });

  it('prints the report as JSON with --json', async () => {
    const r = await preflight(`--assembly ${devAssembly} --json`);
    const report = JSON.parse(r.stdout) as { stage: string; checks: { name: string; status: string }[] };
    expect(report.stage).toBe('dev');
    expect(report.checks.every((c) => c.status === 'ok')).toBe(true);
    expect(report.checks.map((c) => c.name)).toContain('concurrency');
  });

  it('fails with exit 2 when no region is known', async () => {
    // The unit suite's setup gives every test file the functions' environment, a region included.
    stubEnv('AWS_REGION', undefined);
    stubEnv('AWS_DEFAULT_REGION', undefined);
    const clients = () => ({ ...mockedClients(), sts: new STSClient({}) });
    const r = await preflight(undefined, { clients });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no AWS region: pass --region or set AWS_REGION/);
  });

  it('fails with exit 2 for an assembly of another stage', async () => {
    const r = await preflight(`--stage prod --assembly ${devAssembly}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not hold the stacks of stage prod/);
  });

  it('GIVEN a pull request stage and no assembly WHEN run THEN it synthesizes the stage itself and checks its own names', async () => {
    const r = await preflight('--stage pr-42');
    withMessage(r.stderr, () => expect(r.code).toBe(0));
    expect(line(r.stdout, 'stack OrderPipeline-pr-42-Pipeline')).toMatch(/ok/);
    expect(line(r.stdout, 'archive OrderPipeline-pr-42')).toMatch(/ok .*name is free/);
  }, 60_000);
});

describe('ops preflight on an emulator', () => {
  it('GIVEN AWS_ENDPOINT_URL WHEN run THEN it says it cannot check the quota or the bootstrap stack, and exits 0', async () => {
    const r = await preflight(undefined, { env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' } });
    withMessage(r.stderr, () => expect(r.code).toBe(0));
    expect(r.stdout).toMatch(
      /^Preflight of stage dev in eu-west-1, account 111111111111 \(endpoint http:\/\/127.0.0.1:4566\)/,
    );
    expect(line(r.stdout, 'bootstrap')).toMatch(
      /skip .*not checked on an emulator: the local deployer creates the stacks without/,
    );
    expect(line(r.stdout, 'concurrency')).toMatch(
      /skip .*not checked on an emulator, which has no Lambda concurrency quota \(the stage needs 6 consumers x up to 10 = 60/,
    );
    expect(r.stdout).toMatch(/Nothing blocks a deploy \(2 checks not possible on this endpoint\)\.$/m);
    expect(ssmMock.calls()).toHaveLength(0);
    expect(lambdaMock.calls()).toHaveLength(0);
  });
});

describe('runPreflight', () => {
  it('fails for a stage pinned to another region than the credentials target', async () => {
    const requirements = { ...readStageRequirements(devAssembly, 'dev'), region: 'us-east-1' };
    const report = await runPreflight(requirements, { clients: mockedClients(), region: 'eu-west-1' });
    expect(report.checks[0]).toEqual({
      name: 'region',
      status: 'fail',
      summary: 'stage dev is pinned to us-east-1 in lib/config.ts, but these credentials target eu-west-1',
      fix: ['pass --region us-east-1 (or AWS_REGION=us-east-1), the region cdk deploy will use'],
    });
  });

  it('fails for a stage pinned to another account than the credentials’', async () => {
    const requirements = { ...readStageRequirements(devAssembly, 'dev'), account: '222222222222' };
    const report = await runPreflight(requirements, { clients: mockedClients(), region: 'eu-west-1' });
    expect(report.checks.find((c) => c.name === 'account')).toMatchObject({
      status: 'fail',
      fix: ['use credentials (AWS_PROFILE) of account 222222222222'],
    });
  });
});

describe('readStageRequirements', () => {
  it('reads the stacks, the bootstrap version, the consumers’ concurrency and the fixed names of the stage', () => {
    const requirements = readStageRequirements(devAssembly, 'dev');
    expect(requirements.stacks.map((s) => s.name)).toEqual(STACKS);
    expect(requirements.stacks[0]?.tags).toEqual({ project: 'order-pipeline', stage: 'dev' });
    expect(requirements.bootstrap).toEqual({ version: 6, parameter: '/cdk-bootstrap/hnb659fds/version' });
    expect(requirements.concurrency).toEqual({ perConsumer: [10, 10, 10, 10, 10, 10], total: 60 });
    expect(requirements.namedResources).toEqual([
      { kind: 'event bus', name: 'OrderPipeline-dev', stack: STACKS[1] },
      { kind: 'archive', name: 'OrderPipeline-dev', stack: STACKS[1] },
      { kind: 'dashboard', name: 'OrderPipeline-dev', stack: STACKS[1] },
    ]);
  });
  it('fails with a usage error naming the manifest when the directory holds no cloud assembly', () => {
    // GIVEN an empty directory
    const empty = mkdtempSync(path.join(tmpdir(), 'no-assembly-'));
    try {
      // WHEN its requirements are read
      const read = () => readStageRequirements(empty, 'dev');
      // THEN the operator is told which file is missing, as a usage error (exit 2)
      expect(read).toThrow(UsageError);
      expect(read).toThrow(`cannot read the cloud assembly manifest at ${path.join(empty, 'manifest.json')}`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
