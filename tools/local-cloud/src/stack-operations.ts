import {
  type CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type Stack,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
} from '@aws-sdk/client-cloudformation';
import type { WaiterConfiguration } from '@smithy/types';
import type { CfnTemplate } from './cloud-assembly';
import { DeployError } from './deploy-error';
import type { Emulator } from './emulator';

/** CreateStack and DeleteStack on the emulator, awaited with the SDK's waiters. */

/**
 * moto creates and deletes a stack within the request: the first DescribeStacks of a waiter already
 * sees the end state. LocalStack takes seconds, so polling starts at a quarter of a second and backs
 * off to two (the SDK's defaults, 30 s to 120 s, are made for AWS). Five minutes means something is stuck.
 */
const STACK_WAIT = { minDelay: 0.25, maxDelay: 2, maxWaitTime: 5 * 60 } as const;

type StackWaiter = typeof waitUntilStackCreateComplete;

/**
 * One line for an SDK error. moto's CloudFormation passes an inner service's JSON error through as the
 * CreateStack answer, which the SDK cannot parse as XML: the reason is then only in the raw body.
 */
export function errorText(err: unknown): string {
  const e = err as { name?: string; message?: string; $response?: { body?: unknown } };
  const body = e.$response?.body;
  if (typeof body === 'string' && body.trim().startsWith('{')) {
    try {
      const parsed = JSON.parse(body) as { __type?: string; message?: string; Message?: string };
      const message = (parsed.message ?? parsed.Message ?? body).trim();
      return `${parsed.__type ?? 'Error'}: ${message}`;
    } catch {
      return body.trim();
    }
  }
  if (typeof body === 'string') {
    // werkzeug's error page (moto crashed): its <title> is the Python exception.
    const title = /<title>([^<]*)<\/title>/i.exec(body)?.[1];
    if (title)
      return `emulator error: ${title
        .replace(/&#x27;|&#39;/g, "'")
        .replace(/&quot;/g, '"')
        .trim()}`;
  }
  return `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
}

/** The Python exception line closest to the end of moto's log: it names what moto choked on. */
function motoCause(emulator: Emulator): string | undefined {
  const lines = emulator.recentLog();
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]?.trim() ?? '';
    if (/^[A-Za-z_.]+(Error|Exception)\b/.test(line)) return line;
  }
  return undefined;
}

/** The stack, or undefined when there is none of that name (never created, or deleted). */
export async function describeStack(
  cfn: CloudFormationClient,
  stackName: string,
): Promise<Stack | undefined> {
  try {
    const res = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    return res.Stacks?.[0];
  } catch (err) {
    if (/does not exist/i.test((err as Error).message)) return undefined;
    throw err;
  }
}

async function failureReasons(cfn: CloudFormationClient, stackName: string): Promise<string[]> {
  try {
    const events = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName }));
    return (events.StackEvents ?? [])
      .filter((e) => e.ResourceStatus?.endsWith('_FAILED'))
      .map(
        (e) => `${e.LogicalResourceId} (${e.ResourceType}): ${e.ResourceStatusReason ?? e.ResourceStatus}`,
      );
  } catch {
    return [];
  }
}

/**
 * Waits with the SDK's waiter; when it fails (an end state other than `want`, or the time is up),
 * throws a DeployError with the stack's status, its reason and the events of the resources that failed.
 */
async function waitForStack(
  cfn: CloudFormationClient,
  stackName: string,
  waiter: StackWaiter,
  want: string,
): Promise<Stack | undefined> {
  const config: WaiterConfiguration<CloudFormationClient> = { client: cfn, ...STACK_WAIT };
  let timedOut = false;
  try {
    await waiter(config, { StackName: stackName });
  } catch (err) {
    timedOut = (err as Error).name === 'TimeoutError';
  }
  const stack = await describeStack(cfn, stackName);
  const status = stack?.StackStatus ?? 'DELETE_COMPLETE';
  if (status === want) return stack;
  if (timedOut) {
    throw new DeployError(`stack ${stackName} still ${status} after ${STACK_WAIT.maxWaitTime} s`);
  }
  const reasons = await failureReasons(cfn, stackName);
  throw new DeployError(
    `stack ${stackName} ended ${stack?.StackStatus ?? 'deleted'}${stack?.StackStatusReason ? `: ${stack.StackStatusReason}` : ''}` +
      (reasons.length > 0 ? `\n  ${reasons.join('\n  ')}` : ''),
  );
}

/** Creates the stack and waits for CREATE_COMPLETE; throws a DeployError naming why it did not get there. */
export async function createStack(
  cfn: CloudFormationClient,
  emulator: Emulator,
  stackName: string,
  template: CfnTemplate,
  tags: Readonly<Record<string, string>>,
): Promise<Stack> {
  try {
    await cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: JSON.stringify(template),
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        OnFailure: 'DELETE',
      }),
    );
  } catch (err) {
    // moto prints the traceback of a 500 on stderr, which can arrive after the response.
    if (emulator.isMoto) await new Promise((r) => setTimeout(r, 300));
    const cause = emulator.isMoto ? motoCause(emulator) : undefined;
    throw new DeployError(
      `CreateStack ${stackName} failed: ${errorText(err)}${cause ? ` (moto: ${cause})` : ''}`,
    );
  }
  const stack = await waitForStack(cfn, stackName, waitUntilStackCreateComplete, 'CREATE_COMPLETE');
  if (!stack) throw new DeployError(`stack ${stackName} ended deleted`);
  return stack;
}

/** Deletes the stack and waits until it is gone; throws a DeployError naming why it stayed. */
export async function deleteStack(cfn: CloudFormationClient, stackName: string): Promise<void> {
  await cfn.send(new DeleteStackCommand({ StackName: stackName }));
  await waitForStack(cfn, stackName, waitUntilStackDeleteComplete, 'DELETE_COMPLETE');
}
