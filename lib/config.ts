import * as z from 'zod';
import { declineRule, faultRule } from '../lambda/shared/settings';
import { alarmEndpointProtocol } from './constructs/pipeline-monitoring';
import { MAX_CONCURRENCY } from './defaults';
import { archiveNameProblem, resourceNames } from './names';
import { TEST_DECLINE_RULES, TEST_FAULT_RULES } from './test-stages';

/**
 * Typed per-stage settings. `cdk synth -c stage=prod` picks one; anything unknown or out of range
 * fails synth with a message that says what to change. The shapes of decline and fault rules come from
 * lambda/shared/settings.ts, which the handlers parse the same JSON with; the test stages' order
 * prefixes and fault rules live apart, in lib/test-stages.ts.
 */

/** One endpoint of the alarm topic: the monitoring construct decides, so synth and construct agree. */
const alarmEndpoint = z
  .string()
  .refine(
    (value) => alarmEndpointProtocol(value) !== undefined,
    'an email address or an https:// URL without credentials (plain http is refused: alarms would travel unencrypted)',
  );

/**
 * Who may call the API: `iam` (SigV4; a storefront backend granted `execute-api:Invoke`) or `jwt`
 * (tokens of one OIDC issuer for one of the audiences; the customer is the token subject).
 */
const apiAuthorization = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('iam') }).strict(),
    z
      .object({
        type: z.literal('jwt'),
        /** The token issuer (`iss`), e.g. https://cognito-idp.<region>.amazonaws.com/<user pool id>. */
        issuer: z
          .url({
            protocol: /^https$/,
            error: 'an https:// URL: API Gateway fetches the issuer’s keys over TLS',
          })
          .refine(
            (url) => !url.endsWith('/'),
            'the issuer exactly as tokens carry it in `iss`, without a trailing /',
          ),
        /** Accepted `aud` (or `client_id`) values: at least one. */
        audience: z.array(z.string().min(1)).min(1, 'name at least one audience (the app client id)'),
      })
      .strict(),
  ],
  { error: 'type must be "iam" or "jwt" (with issuer and audience)' },
);

/** The HTTP API's stage throttling; API Gateway answers 429 above it (docs/capacity.md). */
const apiThrottle = z
  .object({
    /** Steady requests per second. At most the account's 10,000 (a shared, adjustable quota). */
    rateLimit: z.number().positive().max(10_000),
    /** Requests above the rate a burst may take at once. At most the account's 5,000. */
    burstLimit: z.number().int().min(1).max(5_000),
  })
  .strict()
  .refine((t) => t.burstLimit >= Math.min(t.rateLimit, 5_000), {
    message:
      'burstLimit below rateLimit throttles steady traffic at the burst: raise burstLimit to at least rateLimit',
    path: ['burstLimit'],
  });

export const stageConfigSchema = z
  .object({
    stage: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,15}$/, 'lowercase letters, digits and dashes, 2-16 characters'),
    /** AWS account and region; unset means the ones of the CLI profile used to deploy. */
    account: z
      .string()
      .regex(/^\d{12}$/, 'a 12-digit AWS account id')
      .optional(),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1')
      .optional(),
    /** prod keeps tables when the stack is deleted and refuses fault injection. */
    isProduction: z.boolean(),
    /** How long the bus archive keeps events for replay. */
    archiveRetentionDays: z.number().int().min(1).max(3650),
    /**
     * Timeout of every consumer function; the queues' visibility timeout follows (6 x this + batching window).
     * A short one in test stages lets a timed-out message come back within a minute.
     */
    functionTimeoutSeconds: z.number().int().min(3).max(900),
    /**
     * Most concurrent invocations each consumer's queue may drive (SQS event source maximum concurrency,
     * 2-1000). The stage can use six times this at once, from the account's unreserved Lambda
     * concurrency: new accounts may start with a quota of 10 (`npm run ops -- preflight` compares).
     */
    consumerMaxConcurrency: z.number().int().min(2).max(1000).default(MAX_CONCURRENCY),
    /**
     * Who the alarm topic notifies: email addresses (SNS mails a confirmation link first) and https://
     * endpoints (an incident tool's webhook; SNS posts a confirmation request first). Empty: subscribe
     * to the `AlarmTopicArn` output yourself.
     */
    alarmSubscriptions: z
      .array(alarmEndpoint)
      .default([])
      .refine((list) => new Set(list).size === list.length, 'an endpoint is listed twice'),
    /** Lowest level the functions log (Powertools and Lambda's JSON log filter). */
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
    /**
     * Bundle the Powertools Tracer (X-Ray SDK) into every function: a subsegment per AWS call and a handler
     * subsegment with cold-start and service annotations. Every stage traces actively either way (Lambda
     * records each function's segment, and the trace follows the order through the bus and the queues);
     * the tracer adds 30 to 40 ms of CPU to every cold start (docs/adr/0005-tracer-only-where-the-stage-enables-it.md).
     */
    powertoolsTracer: z.boolean().default(false),
    /** CloudWatch Logs retention of every function. */
    logRetentionDays: z.union([
      z.literal(1),
      z.literal(3),
      z.literal(5),
      z.literal(7),
      z.literal(14),
      z.literal(30),
      z.literal(60),
      z.literal(90),
      z.literal(180),
      z.literal(365),
    ]),
    /** Currencies the validation step accepts. */
    currencies: z.array(z.string().regex(/^[A-Z]{3}$/)).min(1),
    /** Largest order total accepted, in minor units. */
    maxOrderAmount: z.number().int().positive(),
    /** Rules of the simulated payment provider: the first that matches declines. */
    paymentDeclineRules: z.array(declineRule),
    /** The HTTP API: how callers authenticate and how fast they may call. */
    api: z
      .object({ authorization: apiAuthorization.default({ type: 'iam' }), throttle: apiThrottle })
      .strict(),
    /** Deterministic fault injection for the integration tests. Must be empty in production. */
    faultRules: z.array(faultRule),
    /**
     * Share of deliveries of benchmark orders (customers of BENCH_CUSTOMER_PREFIXES, lib/test-stages.ts) that
     * crash at a random fault point: `npm run bench -- --fault-rate P` sets it with `-c faultRate=P`. Must be 0 in
     * production.
     */
    randomFaultRate: z.number().min(0).max(0.5).default(0),
  })
  .superRefine((cfg, ctx) => {
    const archiveProblem = archiveNameProblem(resourceNames(cfg.stage).archive);
    if (archiveProblem) {
      ctx.addIssue({ code: 'custom', path: ['stage'], message: `${archiveProblem}: shorten the stage name` });
    }
    if (cfg.isProduction && cfg.faultRules.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['faultRules'],
        message: 'fault injection is for test stages only: remove faultRules from a production stage',
      });
    }
    if (cfg.isProduction && cfg.randomFaultRate > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['randomFaultRate'],
        message: 'fault injection is for test stages only: do not pass -c faultRate to a production stage',
      });
    }
  });
export type StageConfig = z.infer<typeof stageConfigSchema>;

const DEV: z.input<typeof stageConfigSchema> = {
  stage: 'dev',
  isProduction: false,
  archiveRetentionDays: 7,
  functionTimeoutSeconds: 10,
  logLevel: 'DEBUG',
  logRetentionDays: 14,
  currencies: ['EUR', 'USD', 'GBP'],
  maxOrderAmount: 1_000_000,
  paymentDeclineRules: [...TEST_DECLINE_RULES, { minAmount: 500_000, reason: 'amount above the card limit' }],
  faultRules: [...TEST_FAULT_RULES],
  api: { throttle: { rateLimit: 50, burstLimit: 100 } },
};

/**
 * What `npm run local` and the benchmark deploy into the emulator: dev, with a 5 s function timeout so
 * a failing message is retried every 31 s and reaches its DLQ within minutes.
 */
const LOCAL: z.input<typeof stageConfigSchema> = {
  ...DEV,
  stage: 'local',
  archiveRetentionDays: 1,
  functionTimeoutSeconds: 5,
  logLevel: 'INFO',
  logRetentionDays: 1,
};

const STAGES: Record<string, z.input<typeof stageConfigSchema>> = {
  dev: DEV,
  local: LOCAL,
  /**
   * What the local integration suite and `npm run bench:smoke` deploy: local, with the shortest function
   * timeout full batches keep within on a busy 2-core machine (at 2 s they timed out in a cascade), so a
   * message that fails every delivery is retried every 19 s and reaches its DLQ in about 1.5 minutes.
   */
  test: { ...LOCAL, stage: 'test', functionTimeoutSeconds: 3 },
  prod: {
    stage: 'prod',
    isProduction: true,
    archiveRetentionDays: 365,
    functionTimeoutSeconds: 30,
    logLevel: 'INFO',
    // Production keeps a subsegment per AWS call: slow calls show there first (docs/runbook.md).
    powertoolsTracer: true,
    logRetentionDays: 90,
    currencies: ['EUR', 'USD', 'GBP'],
    maxOrderAmount: 1_000_000,
    paymentDeclineRules: [{ minAmount: 500_000, reason: 'amount above the card limit' }],
    faultRules: [],
    // 500 orders/s with bursts of 1,000: about 15 % of the default account quota (docs/capacity.md).
    api: { throttle: { rateLimit: 500, burstLimit: 1_000 } },
  },
};

/** The declared stages; `pr-<number>` stages are derived from dev on demand. */
export const STAGE_NAMES = Object.keys(STAGES);

/**
 * A pull request's ephemeral stage, `pr-<number>` (no leading zero, so one pull request has one name):
 * dev's settings under its own name, so its stacks and named resources (lib/names.ts) never collide
 * with dev's or another pull request's.
 */
export const PULL_REQUEST_STAGE_PREFIX = 'pr-';
export const PULL_REQUEST_STAGE = new RegExp(`^${PULL_REQUEST_STAGE_PREFIX}[1-9][0-9]*$`);

function stageInput(name: string): z.input<typeof stageConfigSchema> | undefined {
  if (Object.hasOwn(STAGES, name)) return STAGES[name];
  if (PULL_REQUEST_STAGE.test(name)) return { ...DEV, stage: name };
  return undefined;
}

/** Whether `-c stage=<name>` names a stage: a declared one or a pull request's. */
export function isStageName(name: string): boolean {
  return stageInput(name) !== undefined;
}

/** The stages `-c stage=` accepts, for messages. */
export const STAGE_CHOICES = `${STAGE_NAMES.join(', ')}, or pr-<number> for a pull request's stage`;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validates a stage's settings; throws a ConfigError naming each bad field and what it expects. */
export function parseStageConfig(input: unknown): StageConfig {
  const result = stageConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`Invalid settings for this stage in lib/config.ts:\n${problems.join('\n')}`);
  }
  return result.data;
}

/** The settings of a named stage, validated. */
export function loadStageConfig(
  name: string | undefined,
  overrides: Partial<z.input<typeof stageConfigSchema>> = {},
): StageConfig {
  const stageName = name ?? 'dev';
  const base = stageInput(stageName);
  if (!base) {
    throw new ConfigError(
      `Unknown stage "${stageName}". Pass -c stage=NAME with one of: ${STAGE_CHOICES} (defined in lib/config.ts).`,
    );
  }
  return parseStageConfig({ ...base, ...overrides });
}
