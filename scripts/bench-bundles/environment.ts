import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * Every variable a handler reads at init, with harmless values. Names from docs/design.md
 * ("Handler configuration", read through `readEnv` in lambda/adapters/env.ts) and what Lambda itself
 * sets; the values only have to pass that parsing.
 * Credentials are dummies so nothing looks for a profile; init must not call AWS anyway.
 */
export function lambdaLikeEnv(functionName: string, target: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TZ: ':UTC',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCHMARKONLY',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    AWS_SESSION_TOKEN: 'bench-token',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_LAMBDA_LOG_FORMAT: 'JSON',
    AWS_LAMBDA_LOG_LEVEL: 'INFO',
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${target.replace(/^node/, '')}.x`,
    // The X-Ray SDK starts in its Lambda mode (a facade segment at load) only where this is set.
    LAMBDA_TASK_ROOT: '/var/task',
    _HANDLER: 'index.handler',
    EVENT_BUS_NAME: 'orders-bench',
    ORDERS_TABLE: 'orders-bench',
    INVENTORY_TABLE: 'inventory-bench',
    ANALYTICS_TABLE: 'analytics-bench',
    AUTHORIZATION_TYPE: 'iam',
    STAGE: 'dev',
    PRODUCTION: 'false',
    CURRENCIES: '["EUR"]',
    MAX_ORDER_AMOUNT: '1000000',
    PAYMENT_DECLINE_RULES: '[]',
    FAULT_RULES: '[]',
    ANALYTICS_SHARDS: '8',
    SEEN_MARKER_TTL_DAYS: '30',
    POWERTOOLS_SERVICE_NAME: functionName,
    POWERTOOLS_METRICS_NAMESPACE: 'OrderPipelineBench',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  };
}

/**
 * One entry per handler file, in `dir` and its subfolders (the HTTP API's functions live in `api/`);
 * tests and type declarations are not functions. A function is named by its file, which must be unique.
 */
export function handlerEntries(dir: string): { name: string; entry: string }[] {
  let files: string[];
  try {
    files = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    return [];
  }
  const entries = files
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
    .map((f) => ({ name: basename(f, '.ts'), entry: join(dir, f) }))
    .sort((a, b) => a.entry.localeCompare(b.entry));
  const names = entries.map((e) => e.name);
  const twice = names.filter((name, index) => names.indexOf(name) !== index);
  if (twice.length > 0) throw new Error(`two handler files named ${twice.join(', ')} in ${dir}`);
  return entries;
}
