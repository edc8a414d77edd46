import { setTimeout as delay } from 'node:timers/promises';
import { discoverPipeline, type PipelineResources } from '@order-pipeline/pipeline-client/discovery';
import type { Command } from 'commander';
import type { DlqContext } from '../dlq';
import { UsageError } from '../errors';
import type { OpsClients, OpsDeps } from '../program';
import { createProgress } from '../progress';

/** What every subcommand gets from the program: output, clock, clients, the stage's resources. */
export interface OpsContext {
  readonly deps: OpsDeps;
  readonly out: (line?: string) => void;
  readonly err: (line: string) => void;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** AWS_ENDPOINT_URL: LocalStack or the local emulator. */
  readonly endpoint: string | undefined;
  /** One set of clients per region, destroyed when the program ends. */
  clientsFor(region: string | undefined): OpsClients;
  /** Clients for the global options and the stage's resources from its stack outputs. */
  setup(command: Command): Promise<{ clients: OpsClients; resources: PipelineResources }>;
  dlqContext(clients: OpsClients, resources: PipelineResources): DlqContext;
  /** The operation ran but failed: exit code 1 once the command returns. */
  fail(): void;
}

export interface GlobalOptions {
  readonly stage: string;
  readonly region?: string;
}

export function globalOptions(command: Command): GlobalOptions {
  // --stage is validated by commander against the stages of lib/config.ts.
  return command.optsWithGlobals() as GlobalOptions;
}

export function createContext(
  deps: OpsDeps,
  clientsFor: (region: string | undefined) => OpsClients,
  fail: () => void,
): OpsContext {
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => delay(ms));
  const err = (line: string) => deps.io.stderr.write(`${line}\n`);
  const endpoint = deps.env.AWS_ENDPOINT_URL;
  return {
    deps,
    out: (line = '') => deps.io.stdout.write(`${line}\n`),
    err,
    now,
    sleep,
    endpoint,
    clientsFor,
    fail,
    async setup(command) {
      const g = globalOptions(command);
      const clients = clientsFor(g.region);
      let resources: PipelineResources;
      try {
        resources = await discoverPipeline(clients.cfn, g.stage);
      } catch (e) {
        if (/region is missing/i.test((e as Error).message)) {
          throw new UsageError('no AWS region: pass --region or set AWS_REGION.');
        }
        throw e;
      }
      return { clients, resources };
    },
    dlqContext: (clients, resources) => ({
      sqs: clients.sqs,
      cloudwatch: clients.cloudwatch,
      resources,
      isEmulator: Boolean(endpoint),
      now,
      sleep,
      progress: createProgress(deps.io.stderr),
      note: (line) => err(`note: ${line}`),
    }),
  };
}
