import { type Deployment, stackOutput } from '@order-pipeline/local-cloud/deploy';
import type { LocalPipeline } from '@order-pipeline/local-cloud/local-pipeline';

/** Where the demo reads and writes, from the stacks' outputs. */
export interface DemoTargets {
  readonly eventBusName: string;
  readonly ordersTable: string;
  readonly inventoryTable: string;
  readonly analyticsTable: string;
  /** Source queues of the consumers, by output key (ValidateOrderQueueUrl, ...). */
  readonly queues: Readonly<Record<string, string>>;
  /** Every dead-letter queue (the consumers' and the rule targets'), by output key. */
  readonly deadLetterQueues: Readonly<Record<string, string>>;
}

export function demoTargets(deployment: Deployment): DemoTargets {
  const queues: Record<string, string> = {};
  const deadLetterQueues: Record<string, string> = {};
  for (const stack of deployment.stacks) {
    for (const [key, url] of Object.entries(stack.outputs)) {
      if (key.endsWith('DlqUrl')) deadLetterQueues[key] = url;
      else if (key.endsWith('QueueUrl')) queues[key] = url;
    }
  }
  return {
    eventBusName: stackOutput(deployment, 'EventBusName'),
    ordersTable: stackOutput(deployment, 'OrdersTableName'),
    inventoryTable: stackOutput(deployment, 'InventoryTableName'),
    analyticsTable: stackOutput(deployment, 'AnalyticsTableName'),
    queues,
    deadLetterQueues,
  };
}

/** The order API's URL: the first HTTP API the local gateway serves. */
export function orderApiUrl(pipeline: Pick<LocalPipeline, 'httpApis'>): string {
  const url = pipeline.httpApis?.apis[0]?.url;
  if (!url) throw new Error('the app serves no HTTP API: the demo places its orders with POST /orders');
  return url;
}
