import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { Command, CommanderError, Option } from 'commander';
import { registerAccepted } from './commands/accepted';
import { createContext } from './commands/context';
import { registerDlq } from './commands/dlq';
import { stageName } from './commands/options';
import { registerOrder } from './commands/order';
import { registerPreflight } from './commands/preflight';
import { registerReplay } from './commands/replay';
import { describeError, OpsError } from './errors';
import type { ProgressStream } from './progress';

/**
 * `npm run ops -- <command>`: dead-letter queues and archive replay of one stage of the pipeline, on
 * AWS, LocalStack or the local emulator (AWS_ENDPOINT_URL, as for the functions and the tests).
 * Exit codes: 0 done, 1 an operation failed (some message not redriven, replay failed), 2 bad usage.
 */

export interface OpsClients {
  readonly sqs: SQSClient;
  readonly events: EventBridgeClient;
  readonly cfn: CloudFormationClient;
  readonly cloudwatch: CloudWatchClient;
  readonly lambda: LambdaClient;
  readonly ssm: SSMClient;
  readonly sts: STSClient;
  readonly dynamodb: DynamoDBClient;
}

export interface OpsIo {
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
}

export interface OpsDeps {
  readonly io: OpsIo;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** @default - SDK clients for `region` (the SDK reads AWS_ENDPOINT_URL and credentials itself) */
  readonly clients?: (region: string | undefined) => OpsClients;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default - asks the endpoint (moto serves /moto-api/) */
  readonly isMoto?: (endpoint: string) => Promise<boolean>;
}

export function defaultClients(region: string | undefined, env: OpsDeps['env']): OpsClients {
  const config = { ...(region ? { region } : {}), retryMode: 'standard' as const };
  return {
    // The SDK sends SQS calls to the host of the QueueUrl unless the endpoint is set in code; emulators
    // created by CloudFormation may answer with AWS-looking queue URLs, so AWS_ENDPOINT_URL must win.
    sqs: new SQSClient({
      ...config,
      ...(env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_SQS ? { useQueueUrlAsEndpoint: false } : {}),
    }),
    events: new EventBridgeClient(config),
    cfn: new CloudFormationClient(config),
    cloudwatch: new CloudWatchClient(config),
    lambda: new LambdaClient(config),
    ssm: new SSMClient(config),
    sts: new STSClient(config),
    dynamodb: new DynamoDBClient(config),
  };
}

export async function runOps(argv: readonly string[], deps: OpsDeps): Promise<number> {
  const opened: OpsClients[] = [];
  const clientsCache = new Map<string, OpsClients>();
  let exitCode = 0;

  const clientsFor = (region: string | undefined): OpsClients => {
    const key = region ?? '';
    let c = clientsCache.get(key);
    if (!c) {
      c = deps.clients ? deps.clients(region) : defaultClients(region, deps.env);
      clientsCache.set(key, c);
      opened.push(c);
    }
    return c;
  };
  const ctx = createContext(deps, clientsFor, () => {
    exitCode = 1;
  });

  const program = new Command('ops')
    .description(
      'Operate one stage of the order pipeline: what a deploy needs, a check order, orders left ACCEPTED, dead-letter queues and archive replay.',
    )
    .addOption(
      new Option('--stage <stage>', 'stage whose stacks to work on (OrderPipeline-<stage>-*)')
        .argParser(stageName)
        .default('dev'),
    )
    .option('--region <region>', 'AWS region (default: AWS_REGION or your profile)')
    .addHelpText(
      'after',
      `
Endpoint: AWS_ENDPOINT_URL points every call at LocalStack or the local emulator (as for the tests).
Exit codes: 0 done, 1 an operation failed or preflight found a blocker, 2 bad usage (unknown queue, bad time, bad option).
Runbook: docs/runbook.md`,
    )
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.io.stdout.write(text),
      writeErr: (text) => deps.io.stderr.write(text),
    });
  registerPreflight(program, ctx);
  registerOrder(program, ctx);
  registerAccepted(program, ctx);
  registerDlq(program, ctx);
  registerReplay(program, ctx);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof OpsError) {
      ctx.err(`error: ${e.message}`);
      return e.exitCode;
    }
    ctx.err(`error: ${describeError(e)}`);
    return 1;
  } finally {
    for (const c of opened) destroyClients(c);
  }
}

function destroyClients(c: OpsClients): void {
  c.sqs.destroy();
  c.events.destroy();
  c.cfn.destroy();
  c.cloudwatch.destroy();
  c.lambda.destroy();
  c.ssm.destroy();
  c.sts.destroy();
  c.dynamodb.destroy();
}
