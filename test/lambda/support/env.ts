/** The environment the stacks give each function (lib/stacks/pipeline-stack.ts), with test values. */
export const HANDLER_ENV = {
  STAGE: 'test',
  PRODUCTION: 'false',
  EVENT_BUS_NAME: 'orders-bus',
  ORDERS_TABLE: 'orders-table',
  INVENTORY_TABLE: 'inventory-table',
  ANALYTICS_TABLE: 'analytics-table',
  AUTHORIZATION_TYPE: 'iam',
  CURRENCIES: JSON.stringify(['EUR', 'USD']),
  MAX_ORDER_AMOUNT: '1000000',
  PAYMENT_DECLINE_RULES: JSON.stringify([{ customerIdPrefix: 'declined-', reason: 'card declined' }]),
  FAULT_RULES: JSON.stringify([{ orderIdPrefix: 'fault-crash-after-write-', point: 'after-write' }]),
  ANALYTICS_SHARDS: '4',
  SEEN_MARKER_TTL_DAYS: '30',
  POWERTOOLS_SERVICE_NAME: 'order-pipeline-test',
  POWERTOOLS_METRICS_NAMESPACE: 'OrderPipelineTest',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
} as const;

const saved = new Map<string, string | undefined>();

function setEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** Sets (or, with undefined, removes) a variable until restoreEnv(); the first value seen is kept. */
export function stubEnv(name: string, value: string | undefined): void {
  if (!saved.has(name)) saved.set(name, process.env[name]);
  setEnv(name, value);
}

/** Puts back every variable stubEnv changed. */
export function restoreEnv(): void {
  for (const [name, value] of saved) setEnv(name, value);
  saved.clear();
}
