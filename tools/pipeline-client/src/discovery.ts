import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { stackNames } from '../../../lib/names';
import { PipelineClientError, UnknownQueueError } from './errors';

/**
 * What the CLI works on, read from the outputs of the stage's two stacks (lib/stacks/*): the same
 * outputs the integration tests use, so AWS, LocalStack and moto are found the same way.
 */

export type DlqKind = 'source' | 'target';

export interface DeadLetterQueue {
  /** `<step>-dlq` (the queue's DLQ) or `<step>-target-dlq` (the rule target's DLQ). */
  readonly name: string;
  readonly kind: DlqKind;
  /** The step (function) it belongs to, e.g. `reserve-stock`. */
  readonly step: string;
  readonly url: string;
  /** The queue whose redrive policy feeds it (source DLQs only): where a redrive sends messages back. */
  readonly sourceQueueUrl?: string;
}

export interface PipelineResources {
  readonly stage: string;
  readonly stacks: { readonly data: string; readonly pipeline: string };
  readonly eventBusName: string;
  readonly eventBusArn: string;
  readonly archiveName: string;
  readonly dlqs: readonly DeadLetterQueue[];
  readonly outputs: Readonly<Record<string, string>>;
}

/** `ReserveStock` -> `reserve-stock`. */
export function kebabCase(id: string): string {
  return id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** The DLQs named by a stack's outputs (`<Id>DlqUrl`, `<Id>TargetDlqUrl`, `<Id>QueueUrl`). */
export function deadLetterQueuesFrom(outputs: Readonly<Record<string, string>>): DeadLetterQueue[] {
  const dlqs: DeadLetterQueue[] = [];
  for (const [key, url] of Object.entries(outputs)) {
    const target = /^([A-Z][A-Za-z0-9]*)TargetDlqUrl$/.exec(key);
    const source = target ? undefined : /^([A-Z][A-Za-z0-9]*)DlqUrl$/.exec(key);
    const id = target?.[1] ?? source?.[1];
    if (!id) continue;
    const step = kebabCase(id);
    // Both kinds redrive to the step's queue: a target DLQ holds what the rule failed to deliver there.
    const sourceQueueUrl = outputs[`${id}QueueUrl`];
    dlqs.push({
      name: target ? `${step}-target-dlq` : `${step}-dlq`,
      kind: target ? 'target' : 'source',
      step,
      url,
      ...(sourceQueueUrl ? { sourceQueueUrl } : {}),
    });
  }
  return dlqs.sort((a, b) => a.step.localeCompare(b.step) || a.kind.localeCompare(b.kind));
}

async function outputsOf(
  cfn: CloudFormationClient,
  stackName: string,
  stage: string,
): Promise<Record<string, string>> {
  try {
    const res = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = res.Stacks?.[0];
    if (!stack) throw new PipelineClientError(`stack ${stackName} not found`);
    return Object.fromEntries(
      (stack.Outputs ?? []).flatMap((o) => (o.OutputKey ? [[o.OutputKey, o.OutputValue ?? '']] : [])),
    );
  } catch (err) {
    if (/does not exist|not found/i.test((err as Error).message)) {
      throw new PipelineClientError(
        `stack ${stackName} does not exist in this account and region${process.env.AWS_ENDPOINT_URL ? ` (endpoint ${process.env.AWS_ENDPOINT_URL})` : ''}: deploy stage ${stage} first, or pass the --stage it was deployed as.`,
      );
    }
    throw err;
  }
}

function required(outputs: Readonly<Record<string, string>>, key: string, stackName: string): string {
  const value = outputs[key];
  if (!value) {
    throw new PipelineClientError(
      `stack ${stackName} has no output ${key}: it was deployed from an older version of lib/; redeploy the stage.`,
    );
  }
  return value;
}

/** An output of the stage's stacks (a table name, say), or an error that says to redeploy. */
export function stageOutput(resources: PipelineResources, key: string): string {
  const value = resources.outputs[key];
  if (!value) throw new PipelineClientError(`the stage's stacks have no output ${key}: redeploy the stage.`);
  return value;
}

export async function discoverPipeline(cfn: CloudFormationClient, stage: string): Promise<PipelineResources> {
  const stacks = stackNames(stage);
  const pipeline = await outputsOf(cfn, stacks.pipeline, stage);
  const data = await outputsOf(cfn, stacks.data, stage);
  const dlqs = deadLetterQueuesFrom(pipeline);
  if (dlqs.length === 0) {
    throw new PipelineClientError(`stack ${stacks.pipeline} has no *DlqUrl outputs: redeploy the stage.`);
  }
  return {
    stage,
    stacks,
    eventBusName: required(pipeline, 'EventBusName', stacks.pipeline),
    eventBusArn: required(pipeline, 'EventBusArn', stacks.pipeline),
    archiveName: required(pipeline, 'EventArchiveName', stacks.pipeline),
    dlqs,
    outputs: { ...data, ...pipeline },
  };
}

/** A DLQ by its CLI name, its URL, its SQS queue name or its stack output key. */
export function findDlq(resources: PipelineResources, query: string): DeadLetterQueue {
  const q = query.trim();
  const byOutput = resources.outputs[q];
  const found = resources.dlqs.find(
    (d) =>
      d.name === q ||
      d.url === q ||
      d.url.split('/').pop() === q ||
      (byOutput !== undefined && d.url === byOutput),
  );
  if (!found) {
    throw new UnknownQueueError(
      query,
      resources.dlqs.map((d) => d.name),
      resources.stage,
    );
  }
  return found;
}
