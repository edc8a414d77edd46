import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Deployment } from '@order-pipeline/local-cloud/deploy';
import { type Emulator, LOCAL_ACCOUNT_ID } from '@order-pipeline/local-cloud/emulator';
import { HttpApiGateway, LocalJwtIssuer } from '@order-pipeline/local-cloud/http-api';
import { readHttpApis } from '@order-pipeline/local-cloud/http-api/template';
import {
  assetDirectories,
  describeLocalFunction,
  type LocalFunction,
  type LocalLambdaRunner,
} from '@order-pipeline/local-cloud/lambda-runner';

/**
 * The stage's orders API as a stage with `api.authorization: { type: 'jwt' }` would serve it, on the
 * local target only, without a second deployment: the deployed routes behind a JWT authorizer of a local
 * issuer, and the deployed functions (same bundles, tables and bus) with `AUTHORIZATION_TYPE=jwt`. That
 * is exactly what lib/constructs/order-api.ts changes between the two modes (its template tests prove
 * it), so the tests of customer isolation exercise the real code paths of a JWT stage. The functions get
 * execution environments of their own (their names carry JWT_SUFFIX), never an IAM-mode warm one.
 */

export const JWT_ISSUER = 'https://issuer.integration.invalid/';
export const JWT_AUDIENCE = 'orders-api-integration';
const JWT_SUFFIX = '-jwt';

export interface JwtApi {
  /** Base URL, as `TargetDescription.apiUrl`. */
  readonly url: string;
  stop(): Promise<void>;
}

export async function startJwtApi(options: {
  readonly deployment: Deployment;
  readonly emulator: Pick<Emulator, 'clientConfig'>;
  readonly runner: Pick<LocalLambdaRunner, 'invokeFunction'>;
  /** Where the issuer's key is written, for the test files to mint tokens (mintTokenFromFile). */
  readonly issuerFile: string;
}): Promise<JwtApi> {
  const { deployment } = options;
  const authorizer = {
    logicalId: 'IntegrationJwtAuthorizer',
    name: 'IntegrationJwtAuthorizer',
    issuer: JWT_ISSUER,
    audience: [JWT_AUDIENCE],
  };
  const apis = readHttpApis(deployment.stacks, { region: deployment.region, account: LOCAL_ACCOUNT_ID }).map(
    (api) => ({
      ...api,
      routes: api.routes.map((route) => ({
        ...route,
        authorization: { type: 'JWT' as const, authorizer, scopes: [] },
      })),
    }),
  );
  if (apis.length === 0) throw new Error('the deployment has no HTTP API');

  const lambda = new LambdaClient(options.emulator.clientConfig);
  const assets = assetDirectories(deployment);
  const functions = new Map<string, LocalFunction>();
  try {
    for (const route of apis.flatMap((a) => a.routes)) {
      const integration = route.integration;
      if (!integration) continue;
      const key = `${integration.functionStackName}/${integration.functionLogicalId}`;
      if (functions.has(key)) continue;
      const stack = deployment.stacks.find((s) => s.stackName === integration.functionStackName);
      if (!stack) throw new Error(`stack ${integration.functionStackName} is not in the deployment`);
      const fn = await describeLocalFunction(
        lambda,
        deployment,
        stack,
        integration.functionLogicalId,
        assets,
      );
      functions.set(key, {
        ...fn,
        functionName: `${fn.functionName}${JWT_SUFFIX}`,
        environment: { ...fn.environment, AUTHORIZATION_TYPE: 'jwt' },
      });
    }
  } finally {
    lambda.destroy();
  }

  const issuer = await LocalJwtIssuer.create();
  const gateway = await HttpApiGateway.start({
    apis,
    region: deployment.region,
    accountId: LOCAL_ACCOUNT_ID,
    issuer,
    principals: deployment.busPolicies.policies.principals,
    invoke: async (integration, event) => {
      const fn = functions.get(`${integration.functionStackName}/${integration.functionLogicalId}`);
      if (!fn) throw new Error(`no function for integration ${integration.logicalId}`);
      return (await options.runner.invokeFunction(fn, event)).result;
    },
  });
  issuer.save(options.issuerFile, [
    { api: apis[0]?.name ?? 'api', issuer: JWT_ISSUER, audience: [JWT_AUDIENCE] },
  ]);
  const [served] = gateway.apis;
  if (!served) throw new Error('the JWT gateway serves no API');
  return { url: served.url, stop: () => gateway.stop() };
}
