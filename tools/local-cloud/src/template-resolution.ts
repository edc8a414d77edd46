import { type CfnTemplate, isJsonObject } from './cfn-template';

/**
 * Resolves the intrinsic functions of a deployed template (Ref, Fn::GetAtt, Fn::Join, Fn::Sub,
 * Fn::ImportValue, pseudo parameters, parameter defaults) to the values they took on the emulator, as
 * far as the deployment tells them: physical ids of its resources, the names of its buses, the ARNs of
 * its roles and users, the exports of its stacks. What it cannot tell throws UnresolvableError, with
 * what is missing, so a caller can report it rather than guess.
 */

/** What a stack of deploy.ts offers for the resolution. */
export interface ResolutionStack {
  readonly stackName: string;
  readonly template: CfnTemplate;
  readonly resources: Readonly<Record<string, { readonly type: string; readonly physicalId?: string }>>;
}

export interface ResolutionContext {
  readonly stack: ResolutionStack;
  readonly region: string;
  readonly account: string;
  /** Export name -> value, of the stacks deployed so far. */
  readonly exports: ReadonlyMap<string, string>;
}

/** A value, or a reference in it, the deployment does not tell. */
export class UnresolvableError extends Error {}

type Json = unknown;

const PSEUDO_PARAMETERS: Readonly<Record<string, (c: ResolutionContext) => string>> = {
  'AWS::Partition': () => 'aws',
  'AWS::Region': (c) => c.region,
  'AWS::AccountId': (c) => c.account,
  'AWS::URLSuffix': () => 'amazonaws.com',
  'AWS::StackName': (c) => c.stack.stackName,
};

export function listOf(value: Json): Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function resourceOf(
  ctx: ResolutionContext,
  logicalId: string,
): { type: string; properties: Record<string, Json> } {
  const resource = ctx.stack.template.Resources?.[logicalId];
  if (!resource) throw new UnresolvableError(`it references ${logicalId}, which is not in the template`);
  return { type: resource.Type, properties: resource.Properties ?? {} };
}

function physicalId(ctx: ResolutionContext, logicalId: string): string {
  const id = ctx.stack.resources[logicalId]?.physicalId;
  if (!id) throw new UnresolvableError(`${logicalId} has no physical id on the emulator`);
  return id;
}

/** IAM paths are part of the ARN: `arn:aws:iam::<account>:role/<path>/<name>`. */
export function iamArn(ctx: ResolutionContext, kind: 'role' | 'user', logicalId: string, path: Json): string {
  const p = typeof path === 'string' ? path : '/';
  return `arn:aws:iam::${ctx.account}:${kind}${p}${physicalId(ctx, logicalId)}`;
}

export function busName(ctx: ResolutionContext, logicalId: string): string {
  // A bus has no physical id on moto; its Ref is its name on AWS.
  const name = resolveValue(ctx, resourceOf(ctx, logicalId).properties.Name);
  if (typeof name !== 'string') throw new UnresolvableError(`the name of bus ${logicalId} is not a string`);
  return name;
}

export function eventBusArn(region: string, account: string, name: string): string {
  return `arn:aws:events:${region}:${account}:event-bus/${name}`;
}

function ref(ctx: ResolutionContext, name: string): string {
  const pseudo = PSEUDO_PARAMETERS[name];
  if (pseudo) return pseudo(ctx);
  const parameter = ctx.stack.template.Parameters?.[name];
  if (parameter) {
    if (typeof parameter.Default === 'string') return parameter.Default;
    throw new UnresolvableError(`parameter ${name} has no default`);
  }
  const { type } = resourceOf(ctx, name);
  if (type === 'AWS::Events::EventBus') return busName(ctx, name);
  return physicalId(ctx, name);
}

function getAtt(ctx: ResolutionContext, logicalId: string, attribute: string): string {
  const { type, properties } = resourceOf(ctx, logicalId);
  if (type === 'AWS::IAM::Role' && attribute === 'Arn')
    return iamArn(ctx, 'role', logicalId, properties.Path);
  if (type === 'AWS::IAM::User' && attribute === 'Arn')
    return iamArn(ctx, 'user', logicalId, properties.Path);
  if (type === 'AWS::Events::EventBus' && attribute === 'Name') return busName(ctx, logicalId);
  if (type === 'AWS::Events::EventBus' && attribute === 'Arn') {
    return eventBusArn(ctx.region, ctx.account, busName(ctx, logicalId));
  }
  throw new UnresolvableError(`Fn::GetAtt ${logicalId}.${attribute} (${type}) is not resolved locally`);
}

function sub(ctx: ResolutionContext, text: string, variables: Record<string, Json>): string {
  return text.replace(/\$\{(!?)([^}]+)\}/g, (_whole, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    if (name in variables) return String(resolveValue(ctx, variables[name]));
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) return getAtt(ctx, name.slice(0, dot), name.slice(dot + 1));
    return ref(ctx, name);
  });
}

/** Resolves the intrinsic functions a policy uses against the deployment; throws UnresolvableError otherwise. */
export function resolveValue(ctx: ResolutionContext, value: Json): Json {
  if (Array.isArray(value)) return value.map((v) => resolveValue(ctx, v));
  if (!isJsonObject(value)) return value;
  const keys = Object.keys(value);
  const [key] = keys;
  if (keys.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))) {
    const arg = value[key];
    if (key === 'Ref' && typeof arg === 'string') return ref(ctx, arg);
    if (key === 'Fn::GetAtt') {
      const [id, attribute] = Array.isArray(arg) ? arg : typeof arg === 'string' ? arg.split('.') : [];
      if (typeof id === 'string' && typeof attribute === 'string') return getAtt(ctx, id, attribute);
    }
    if (key === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string') {
      return listOf(resolveValue(ctx, arg[1]))
        .map((part) => String(part))
        .join(arg[0]);
    }
    if (key === 'Fn::Sub') {
      if (typeof arg === 'string') return sub(ctx, arg, {});
      if (Array.isArray(arg) && typeof arg[0] === 'string' && isJsonObject(arg[1]))
        return sub(ctx, arg[0], arg[1]);
    }
    if (key === 'Fn::ImportValue') {
      const name = resolveValue(ctx, arg);
      const exported = typeof name === 'string' ? ctx.exports.get(name) : undefined;
      if (exported !== undefined) return exported;
      throw new UnresolvableError(
        `Fn::ImportValue ${JSON.stringify(name)} is not an export of the deployed stacks`,
      );
    }
    throw new UnresolvableError(`${key} is not resolved locally`);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(ctx, v)]));
}

export function resolveStrings(ctx: ResolutionContext, value: Json, what: string): string[] {
  return listOf(resolveValue(ctx, value)).map((v) => {
    if (typeof v !== 'string') throw new UnresolvableError(`${what} ${JSON.stringify(v)} is not a string`);
    return v;
  });
}

/** Export name -> value of the stacks' outputs that are exported (with a name it can resolve). */
export function exportsOf(
  stacks: readonly (ResolutionStack & { readonly outputs: Readonly<Record<string, string>> })[],
  region: string,
  account: string,
): Map<string, string> {
  const exports = new Map<string, string>();
  for (const stack of stacks) {
    const ctx: ResolutionContext = { stack, region, account, exports };
    for (const [key, output] of Object.entries(stack.template.Outputs ?? {})) {
      const value = stack.outputs[key];
      if (output.Export === undefined || value === undefined) continue;
      try {
        const name = resolveValue(ctx, output.Export.Name);
        if (typeof name === 'string') exports.set(name, value);
      } catch (err) {
        if (!(err instanceof UnresolvableError)) throw err;
      }
    }
  }
  return exports;
}

/** `value` resolved to a string, or undefined when it is not one or the deployment does not tell it. */
export function resolveStringOrUndefined(ctx: ResolutionContext, value: Json): string | undefined {
  try {
    const resolved = resolveValue(ctx, value);
    return typeof resolved === 'string' ? resolved : undefined;
  } catch (err) {
    if (err instanceof UnresolvableError) return undefined;
    throw err;
  }
}
