import { type CfnResource, isJsonObject, referencesIn, resourcesOfType } from '../cfn-template';
import {
  type ResolutionContext,
  type ResolutionStack,
  resolveStringOrUndefined,
} from '../template-resolution';
import { localApiGatewayId } from './ids';
import { parseRouteKey, type RouteKey } from './routing';

/**
 * Reads the HTTP APIs of synthesized templates: every AWS::ApiGatewayV2::Api with ProtocolType HTTP, its
 * stages, routes, Lambda proxy integrations and authorizers. What the local gateway cannot serve as API
 * Gateway would (another payload format, a non-Lambda integration, a Lambda authorizer, an API defined
 * by an OpenAPI body) is refused here with the resource's name, before anything listens.
 */

export class HttpApiTemplateError extends Error {
  override readonly name = 'HttpApiTemplateError';
}

/** The stack facts the reader needs (a DeployedStack of deploy.ts has them). */
export type TemplateStack = ResolutionStack;

export interface JwtAuthorizer {
  readonly logicalId: string;
  readonly name: string;
  /** `JwtConfiguration.Issuer`: the `iss` a token must carry. */
  readonly issuer: string;
  /** `JwtConfiguration.Audience`: a token's `aud` (or `client_id`) must be one of them. */
  readonly audience: readonly string[];
}

export type RouteAuthorization =
  | { readonly type: 'NONE' }
  | { readonly type: 'AWS_IAM' }
  | { readonly type: 'JWT'; readonly authorizer: JwtAuthorizer; readonly scopes: readonly string[] };

export interface LambdaIntegration {
  readonly logicalId: string;
  /** The stack and logical id of the function the integration invokes. */
  readonly functionStackName: string;
  readonly functionLogicalId: string;
  /** `TimeoutInMillis`: API Gateway answers 503 when the function takes longer. */
  readonly timeoutMs: number;
}

export interface HttpApiRoute {
  readonly logicalId: string;
  readonly key: RouteKey;
  readonly authorization: RouteAuthorization;
  /** Absent when the route has no `Target`. */
  readonly integration?: LambdaIntegration;
}

export interface HttpApiStage {
  readonly name: string;
  readonly variables: Readonly<Record<string, string>>;
}

export interface HttpApiDefinition {
  readonly stackName: string;
  readonly logicalId: string;
  /** The id the functions see in `requestContext.apiId` (http-api/ids.ts). */
  readonly apiId: string;
  readonly name: string;
  readonly stages: readonly HttpApiStage[];
  readonly routes: readonly HttpApiRoute[];
}

/** HTTP API integrations time out after 30 s unless `TimeoutInMillis` says less. */
export const DEFAULT_INTEGRATION_TIMEOUT_MS = 30_000;

type Json = unknown;

function belongsTo(resource: CfnResource, apiLogicalId: string): boolean {
  return referencesIn(resource.Properties?.ApiId).includes(apiLogicalId);
}

/** A string property, or one the local gateway can resolve against the deployment (template-resolution.ts). */
type Resolve = (value: Json) => string | undefined;

function resolverFor(stack: TemplateStack, env: { region: string; account: string }): Resolve {
  const ctx: ResolutionContext = { stack, region: env.region, account: env.account, exports: new Map() };
  return (value) => resolveStringOrUndefined(ctx, value);
}

function stringList(value: Json, resolve: Resolve): string[] | undefined {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const resolved = items.map(resolve);
  return resolved.every((r): r is string => r !== undefined) ? resolved : undefined;
}

/** Finds the function an integration's `IntegrationUri` invokes, in its stack or, through an export, another. */
function integrationFunction(
  stacks: readonly TemplateStack[],
  stack: TemplateStack,
  uri: Json,
): { stackName: string; logicalId: string } | undefined {
  const isFunction = (s: TemplateStack, id: string) =>
    s.template.Resources?.[id]?.Type === 'AWS::Lambda::Function';
  for (const ref of referencesIn(uri)) {
    if (!ref.startsWith('import:')) {
      if (isFunction(stack, ref)) return { stackName: stack.stackName, logicalId: ref };
      continue;
    }
    const exportName = ref.slice('import:'.length);
    for (const other of stacks) {
      for (const output of Object.values(other.template.Outputs ?? {})) {
        if (output.Export?.Name !== exportName) continue;
        const target = referencesIn(output.Value).find((id) => isFunction(other, id));
        if (target) return { stackName: other.stackName, logicalId: target };
      }
    }
  }
  // A literal ARN: the function of that name, wherever it was deployed.
  const arn = typeof uri === 'string' ? /:function:([^:/]+)/.exec(uri)?.[1] : undefined;
  for (const s of stacks) {
    for (const [id, r] of Object.entries(s.resources)) {
      if (arn && r.type === 'AWS::Lambda::Function' && r.physicalId === arn) {
        return { stackName: s.stackName, logicalId: id };
      }
    }
  }
  return undefined;
}

function readIntegration(
  stacks: readonly TemplateStack[],
  stack: TemplateStack,
  logicalId: string,
): LambdaIntegration {
  const where = `${stack.stackName}/${logicalId}`;
  const p = stack.template.Resources?.[logicalId]?.Properties ?? {};
  if (p.IntegrationType !== 'AWS_PROXY') {
    throw new HttpApiTemplateError(
      `integration ${where} is of type ${String(p.IntegrationType)}: the local HTTP API serves Lambda proxy (AWS_PROXY) integrations only`,
    );
  }
  if (p.PayloadFormatVersion !== '2.0') {
    throw new HttpApiTemplateError(
      `integration ${where} uses payload format version ${String(p.PayloadFormatVersion ?? '1.0 (the default)')}: ` +
        'the local HTTP API builds the 2.0 event only; set PayloadFormatVersion 2.0 (HttpLambdaIntegration does)',
    );
  }
  const fn = integrationFunction(stacks, stack, p.IntegrationUri);
  if (!fn) {
    throw new HttpApiTemplateError(
      `integration ${where}: its IntegrationUri ${JSON.stringify(p.IntegrationUri)} is not a Lambda function of the deployment`,
    );
  }
  const timeout = typeof p.TimeoutInMillis === 'number' ? p.TimeoutInMillis : DEFAULT_INTEGRATION_TIMEOUT_MS;
  return { logicalId, functionStackName: fn.stackName, functionLogicalId: fn.logicalId, timeoutMs: timeout };
}

function readAuthorizer(stack: TemplateStack, logicalId: string, resolve: Resolve): JwtAuthorizer {
  const where = `${stack.stackName}/${logicalId}`;
  const p = stack.template.Resources?.[logicalId]?.Properties ?? {};
  if (p.AuthorizerType !== 'JWT') {
    throw new HttpApiTemplateError(
      `authorizer ${where} is of type ${String(p.AuthorizerType)}: the local HTTP API enforces JWT and AWS_IAM only`,
    );
  }
  const sources = Array.isArray(p.IdentitySource) ? p.IdentitySource : [p.IdentitySource];
  if (sources.length !== 1 || String(sources[0]).toLowerCase() !== '$request.header.authorization') {
    throw new HttpApiTemplateError(
      `authorizer ${where} reads the token from ${JSON.stringify(p.IdentitySource)}: locally only $request.header.Authorization`,
    );
  }
  const config = isJsonObject(p.JwtConfiguration) ? p.JwtConfiguration : {};
  const issuer = resolve(config.Issuer);
  const audience = stringList(config.Audience, resolve);
  if (issuer === undefined || audience === undefined || audience.length === 0) {
    throw new HttpApiTemplateError(
      `authorizer ${where}: its JwtConfiguration (Issuer, Audience) cannot be resolved locally: ${JSON.stringify(config)}`,
    );
  }
  return { logicalId, name: typeof p.Name === 'string' ? p.Name : logicalId, issuer, audience };
}

function readRoute(
  stacks: readonly TemplateStack[],
  stack: TemplateStack,
  logicalId: string,
  resource: CfnResource,
  resolve: Resolve,
): HttpApiRoute {
  const p = resource.Properties ?? {};
  const where = `${stack.stackName}/${logicalId}`;
  const key = parseRouteKey(String(p.RouteKey), where);
  const type = p.AuthorizationType ?? 'NONE';
  let authorization: RouteAuthorization;
  if (type === 'NONE' || type === 'AWS_IAM') {
    authorization = { type };
  } else if (type === 'JWT') {
    const authorizerId = referencesIn(p.AuthorizerId)[0];
    if (!authorizerId)
      throw new HttpApiTemplateError(`route ${where} is JWT but names no authorizer of its stack`);
    const scopes = stringList(p.AuthorizationScopes, resolve) ?? [];
    authorization = { type, authorizer: readAuthorizer(stack, authorizerId, resolve), scopes };
  } else {
    throw new HttpApiTemplateError(
      `route ${where} has AuthorizationType ${String(type)}: the local HTTP API enforces NONE, AWS_IAM and JWT`,
    );
  }
  const integrationId = referencesIn(p.Target).find(
    (id) => stack.template.Resources?.[id]?.Type === 'AWS::ApiGatewayV2::Integration',
  );
  if (p.Target !== undefined && !integrationId) {
    throw new HttpApiTemplateError(`route ${where}: its Target is not an integration of its stack`);
  }
  const integration = integrationId ? readIntegration(stacks, stack, integrationId) : undefined;
  return { logicalId, key, authorization, ...(integration ? { integration } : {}) };
}

/** Every HTTP API of the stacks, with what the local gateway needs to serve it. */
export function readHttpApis(
  stacks: readonly TemplateStack[],
  env: { readonly region: string; readonly account: string },
): HttpApiDefinition[] {
  return stacks.flatMap((stack) => {
    const resolve = resolverFor(stack, env);
    return resourcesOfType(stack.template, 'AWS::ApiGatewayV2::Api')
      .filter(([, api]) => api.Properties?.ProtocolType === 'HTTP')
      .map(([logicalId, api]) => {
        const where = `${stack.stackName}/${logicalId}`;
        const p = api.Properties ?? {};
        if (p.Body !== undefined || p.BodyS3Location !== undefined || p.Target !== undefined) {
          throw new HttpApiTemplateError(
            `HTTP API ${where} is defined by an OpenAPI body or quick create: the local HTTP API reads routes from AWS::ApiGatewayV2::Route resources only`,
          );
        }
        const own = (type: string) =>
          resourcesOfType(stack.template, type).filter(([, r]) => belongsTo(r, logicalId));
        const stages = own('AWS::ApiGatewayV2::Stage').map(([, s]) => ({
          name: resolve(s.Properties?.StageName) ?? '$default',
          variables: Object.fromEntries(
            Object.entries(
              isJsonObject(s.Properties?.StageVariables) ? s.Properties.StageVariables : {},
            ).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])),
          ),
        }));
        return {
          stackName: stack.stackName,
          logicalId,
          apiId: localApiGatewayId(stack.stackName, logicalId),
          name: resolve(p.Name) ?? logicalId,
          stages,
          routes: own('AWS::ApiGatewayV2::Route').map(([id, r]) => readRoute(stacks, stack, id, r, resolve)),
        };
      });
  });
}
