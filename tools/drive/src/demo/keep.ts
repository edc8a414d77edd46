import { join } from 'node:path';
import { LOCAL_CREDENTIALS } from '@order-pipeline/local-cloud/emulator';
import { curlExamples, type RouteExample } from '@order-pipeline/local-cloud/http-api/endpoints';
import { LOCAL_DIR, type LocalPipeline } from '@order-pipeline/local-cloud/local-pipeline';
import { PaymentSucceeded } from '../../../../lambda/contracts';
import { IDEMPOTENCY_KEY_HEADER, ORDER_PATH, ORDERS_PATH } from '../../../../lambda/contracts/order-api';
import { CATALOGUE } from './catalogue';
import type { RunResult } from './play';
import type { Scenario } from './scenario';
import { demoTargets } from './targets';

/**
 * What `npm run local -- --keep` prints once the outcome is in: how to explore the running pipeline with
 * the aws CLI, and a ready curl line per route of its HTTP APIs.
 */

/** What `--keep` serves, for other processes (local/http-api/endpoints.ts). */
export const ENDPOINTS_FILE = join(LOCAL_DIR, 'endpoints.json');

export function keepInstructions(pipeline: LocalPipeline, scenario: Scenario, result: RunResult): string[] {
  const { endpoint, region } = pipeline.emulator;
  const targets = demoTargets(pipeline.deployment);
  const aws = `aws --endpoint-url ${endpoint}`;
  const first = scenario.orders[0]?.order.orderId;
  const firstOrder = (first && result.orderIds.get(first)) ?? '<orderId>';
  return [
    '',
    `The pipeline keeps running on ${endpoint} (${pipeline.emulator.owned ? 'moto started by this run' : 'attached'}); the runner still polls the queues.`,
    'Explore it with the aws CLI (dummy credentials; nothing leaves this machine):',
    `  export AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey} AWS_REGION=${region} AWS_DEFAULT_REGION=${region}`,
    `  ${aws} dynamodb get-item --table-name ${targets.ordersTable} --key '{"orderId":{"S":"${firstOrder}"}}'`,
    `  ${aws} dynamodb scan --table-name ${targets.inventoryTable}`,
    `  ${aws} sqs receive-message --queue-url ${targets.deadLetterQueues.ValidateOrderDlqUrl ?? '<ValidateOrderDlqUrl>'} --visibility-timeout 0 --attribute-names All`,
    `  ${aws} events put-events --entries '[{"EventBusName":"${targets.eventBusName}","Source":"orders.client","DetailType":"OrderPlaced","Detail":"{}"}]'`,
    ...(pipeline.deployment.busPolicies.enforced
      ? [
          `  ${aws} events put-events --entries '[{"EventBusName":"${targets.eventBusName}","Source":"${PaymentSucceeded.source}","DetailType":"${PaymentSucceeded.detailType}","Detail":"{}"}]'`,
          '    (refused, AccessDeniedException: the bus policy keeps that source for its function, which signs with its own key)',
        ]
      : []),
    `  ${aws} cloudformation describe-stacks --query 'Stacks[].StackName'`,
    'Ctrl-C stops everything this run started.',
  ];
}

/**
 * Requests of the order API that work as pasted: a new order (paste it twice: the answer is replayed,
 * the key is the same) and the first demo order's status.
 */
function orderApiExamples(scenario: Scenario, result: RunResult, jwt: boolean): Record<string, RouteExample> {
  const product = CATALOGUE[0];
  const currency = scenario.orders[0]?.order.currency ?? 'EUR';
  const order = {
    ...(jwt ? {} : { customerId: 'cus-curl' }),
    currency,
    lines: product ? [{ productId: product.productId, quantity: 1, unitPrice: product.unitPrice }] : [],
    totalAmount: product?.unitPrice ?? 0,
  };
  const first = scenario.orders[0]?.order.orderId;
  const firstId = first ? result.orderIds.get(first) : undefined;
  return {
    [`POST ${ORDERS_PATH}`]: {
      headers: { [IDEMPOTENCY_KEY_HEADER]: `curl-${scenario.runId}-1` },
      body: JSON.stringify(order),
    },
    // With JWT a caller sees only its own orders: the demo's are not the token subject's.
    ...(firstId && !jwt ? { [`GET ${ORDER_PATH}`]: { path: ORDER_PATH.replace('{orderId}', firstId) } } : {}),
  };
}

/** The HTTP APIs' URLs and a curl line per route; nothing when the app has no HTTP API. */
export async function apiInstructions(
  pipeline: LocalPipeline,
  scenario: Scenario,
  result: RunResult,
): Promise<string[]> {
  const apis = pipeline.httpApis?.apis ?? [];
  if (apis.length === 0) return [];
  const hasJwt = apis.some((a) => a.definition.routes.some((r) => r.authorization.type === 'JWT'));
  const token = hasJwt ? await pipeline.httpApis?.mintToken('local-user') : undefined;
  const examples = orderApiExamples(scenario, result, hasJwt);
  return [
    '',
    ...apis.map((a) => `HTTP API ${a.definition.name}: ${a.url} (requests are logged below)`),
    `Call each route (${ENDPOINTS_FILE} lists them for scripts):`,
    ...curlExamples(apis, {
      region: pipeline.emulator.region,
      credentials: LOCAL_CREDENTIALS,
      token,
      examples,
    }).map((line) => `  ${line}`),
    ...(hasJwt
      ? ['  (the token is for subject local-user, valid 1 h; another: npm run local -- --token <subject>)']
      : []),
  ];
}
