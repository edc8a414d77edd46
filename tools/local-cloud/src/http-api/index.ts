import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Deployment } from '../deploy';
import { type Emulator, LOCAL_ACCOUNT_ID } from '../emulator';
import {
  assetDirectories,
  describeLocalFunction,
  type LocalFunction,
  type LocalLambdaRunner,
} from '../lambda-runner';
import { HttpApiGateway, type RequestLogEntry, type ServedApi } from './gateway';
import { LocalJwtIssuer, type MintOptions, removeIssuerFile } from './jwt';
import { type HttpApiDefinition, type JwtAuthorizer, readHttpApis } from './template';

/**
 * Serves every HTTP API of a local deployment: reads them from the templates, finds the functions their
 * integrations invoke, creates the local JWT issuer and starts the gateway. The functions run in the
 * Lambda runner's execution environments, the same as their queue-driven invocations.
 */

export { HttpApiGateway, type RequestLogEntry, type ServedApi } from './gateway';
export { LocalJwtIssuer, type MintOptions, mintTokenFromFile } from './jwt';
export { type HttpApiDefinition, HttpApiTemplateError } from './template';

export interface LocalHttpApisOptions {
  readonly deployment: Deployment;
  readonly emulator: Pick<Emulator, 'clientConfig'>;
  /** Runs the functions (its `invokeFunction`). */
  readonly runner: Pick<LocalLambdaRunner, 'invokeFunction'>;
  /** Port of the first API, the next ones after it. @default - free ports */
  readonly port?: number;
  /**
   * Writes the issuer's private key here, for other processes to mint tokens (mintTokenFromFile);
   * removed by stop(). Only when a route is JWT.
   * @default - not written
   */
  readonly issuerFile?: string;
  /** One entry per request. @default - none */
  readonly onRequest?: (entry: RequestLogEntry) => void;
}

export interface LocalHttpApis {
  /** Every HTTP API of the deployment with its local URL; empty when the app has none. */
  readonly apis: readonly ServedApi[];
  /**
   * A token that the JWT routes accept, for `subject`: for the first JWT authorizer unless `issuer` and
   * `audience` say otherwise. Throws when no route is JWT and neither is given.
   */
  mintToken(subject: string, options?: Partial<MintOptions>): Promise<string>;
  /** Stops listening; idempotent. */
  stop(): Promise<void>;
}

/** The JWT authorizers of the routes, one entry each. */
export function jwtAuthorizers(
  apis: readonly HttpApiDefinition[],
): { api: string; authorizer: JwtAuthorizer }[] {
  const seen = new Map<string, { api: string; authorizer: JwtAuthorizer }>();
  for (const api of apis) {
    for (const route of api.routes) {
      if (route.authorization.type !== 'JWT') continue;
      const key = `${api.stackName}/${route.authorization.authorizer.logicalId}`;
      if (!seen.has(key)) seen.set(key, { api: api.name, authorizer: route.authorization.authorizer });
    }
  }
  return [...seen.values()];
}

/** Starts the gateway for every HTTP API of the deployment (none: nothing listens, `apis` is empty). */
export async function startLocalHttpApis(options: LocalHttpApisOptions): Promise<LocalHttpApis> {
  const { deployment } = options;
  const definitions = readHttpApis(deployment.stacks, {
    region: deployment.region,
    account: LOCAL_ACCOUNT_ID,
  });
  const issuer = await LocalJwtIssuer.create();
  const authorizers = jwtAuthorizers(definitions);
  const mintToken = (subject: string, mint: Partial<MintOptions> = {}) => {
    const first = authorizers[0]?.authorizer;
    const issuerName = mint.issuer ?? first?.issuer;
    const audience = mint.audience ?? first?.audience[0];
    if (!issuerName || !audience) {
      throw new Error('no route of the local HTTP APIs is JWT: pass issuer and audience to mint a token');
    }
    return issuer.mint(subject, { ...mint, issuer: issuerName, audience });
  };
  if (definitions.length === 0) return { apis: [], mintToken, stop: async () => {} };

  // The functions the integrations invoke, described once each.
  const functions = new Map<string, Promise<LocalFunction>>();
  const lambda = new LambdaClient(options.emulator.clientConfig);
  const assets = assetDirectories(deployment);
  const functionOf = (stackName: string, logicalId: string): Promise<LocalFunction> => {
    const key = `${stackName}/${logicalId}`;
    let fn = functions.get(key);
    if (!fn) {
      const stack = deployment.stacks.find((s) => s.stackName === stackName);
      if (!stack) throw new Error(`stack ${stackName} is not in the deployment`);
      fn = describeLocalFunction(lambda, deployment, stack, logicalId, assets);
      functions.set(key, fn);
    }
    return fn;
  };
  try {
    for (const api of definitions) {
      for (const route of api.routes) {
        if (route.integration)
          await functionOf(route.integration.functionStackName, route.integration.functionLogicalId);
      }
    }
  } finally {
    lambda.destroy();
  }

  const gateway = await HttpApiGateway.start({
    apis: definitions,
    region: deployment.region,
    accountId: LOCAL_ACCOUNT_ID,
    issuer,
    principals: deployment.busPolicies.policies.principals,
    port: options.port,
    onRequest: options.onRequest,
    invoke: async (integration, event) => {
      const fn = await functionOf(integration.functionStackName, integration.functionLogicalId);
      return (await options.runner.invokeFunction(fn, event)).result;
    },
  });
  if (options.issuerFile && authorizers.length > 0) {
    issuer.save(
      options.issuerFile,
      authorizers.map(({ api, authorizer }) => ({
        api,
        issuer: authorizer.issuer,
        audience: authorizer.audience,
      })),
    );
  }
  let stopped = false;
  return {
    apis: gateway.apis,
    mintToken,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (options.issuerFile && authorizers.length > 0) removeIssuerFile(options.issuerFile);
      await gateway.stop();
    },
  };
}
