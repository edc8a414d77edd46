import type { CfnTemplate } from './cloud-assembly';
import {
  BUS_POLICY_KEYS,
  BUS_POLICY_OPERATORS,
  type BusPolicyCondition,
  type BusPolicyKey,
  type BusPolicyOperator,
  type BusPolicyStatement,
  type EmulatorBusPolicies,
} from './emulator';
import { principalAccessKeyId } from './principals';

/**
 * Reads the event bus policies of deployed templates (an AWS::Events::EventBus `Policy`, any
 * AWS::Events::EventBusPolicy `Statement`) and resolves them against the deployment, so the emulator can
 * refuse per PutEvents entry what EventBridge refuses on AWS. moto stores neither and checks no
 * permission; moto_server.py evaluates what this module hands it.
 *
 * Enforced: Deny statements covering events:PutEvents, for everyone (`*`) or named principals, with
 * conditions from BUS_POLICY_OPERATORS on BUS_POLICY_KEYS. Roles are told apart by the access key id
 * their requests are signed with (principals.ts). Every other statement is reported in `notes`
 * with the reason, never dropped in silence; an Allow only grants what the emulator allows anyway.
 */

/** What a stack of deploy.ts offers for the resolution. */
export interface PolicyStack {
  readonly stackName: string;
  readonly template: CfnTemplate;
  readonly outputs: Readonly<Record<string, string>>;
  readonly resources: Readonly<Record<string, { readonly type: string; readonly physicalId?: string }>>;
}

export interface BusPolicyResolution {
  /** The wire form for `emulator.setBusPolicies()`. */
  readonly policies: EmulatorBusPolicies;
  /** One line per statement (or part of one) that is not enforced locally, with the reason. */
  readonly notes: readonly string[];
}

const PUT_EVENTS = 'events:PutEvents';
const PSEUDO_PARAMETERS: Readonly<Record<string, (c: Context) => string>> = {
  'AWS::Partition': () => 'aws',
  'AWS::Region': (c) => c.region,
  'AWS::AccountId': (c) => c.account,
  'AWS::URLSuffix': () => 'amazonaws.com',
  'AWS::StackName': (c) => c.stack.stackName,
};

interface Context {
  readonly stack: PolicyStack;
  readonly region: string;
  readonly account: string;
  /** Export name -> value, of the stacks deployed so far. */
  readonly exports: ReadonlyMap<string, string>;
}

/** A statement, or a reference in it, the local evaluation cannot follow: it becomes a note. */
class NotEnforcedError extends Error {}

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listOf(value: Json): Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** IAM's wildcards: `*` any run of characters, `?` one; nothing else is special. */
function globPattern(pattern: string, flags = ''): RegExp {
  const body = [...pattern]
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, flags);
}

/** ArnLike: each of the six colon-separated parts on its own, the resource part keeping its colons. */
export function arnMatches(pattern: string, arn: string): boolean {
  const p = pattern.split(':');
  const a = arn.split(':');
  if (p.length < 6 || a.length < 6) return globPattern(pattern).test(arn);
  const parts = (s: string[]) => [...s.slice(0, 5), s.slice(5).join(':')];
  const arnParts = parts(a);
  return parts(p).every((part, i) => globPattern(part).test(arnParts[i] ?? ''));
}

function resourceOf(ctx: Context, logicalId: string): { type: string; properties: Record<string, Json> } {
  const resource = ctx.stack.template.Resources?.[logicalId];
  if (!resource) throw new NotEnforcedError(`it references ${logicalId}, which is not in the template`);
  return { type: resource.Type, properties: resource.Properties ?? {} };
}

function physicalId(ctx: Context, logicalId: string): string {
  const id = ctx.stack.resources[logicalId]?.physicalId;
  if (!id) throw new NotEnforcedError(`${logicalId} has no physical id on the emulator`);
  return id;
}

/** IAM paths are part of the ARN: `arn:aws:iam::<account>:role/<path>/<name>`. */
function iamArn(ctx: Context, kind: 'role' | 'user', logicalId: string, path: Json): string {
  const p = typeof path === 'string' ? path : '/';
  return `arn:aws:iam::${ctx.account}:${kind}${p}${physicalId(ctx, logicalId)}`;
}

function busName(ctx: Context, logicalId: string): string {
  // A bus has no physical id on moto; its Ref is its name on AWS.
  const name = resolve(ctx, resourceOf(ctx, logicalId).properties.Name);
  if (typeof name !== 'string') throw new NotEnforcedError(`the name of bus ${logicalId} is not a string`);
  return name;
}

export function eventBusArn(region: string, account: string, name: string): string {
  return `arn:aws:events:${region}:${account}:event-bus/${name}`;
}

function ref(ctx: Context, name: string): string {
  const pseudo = PSEUDO_PARAMETERS[name];
  if (pseudo) return pseudo(ctx);
  const parameter = ctx.stack.template.Parameters?.[name];
  if (parameter) {
    if (typeof parameter.Default === 'string') return parameter.Default;
    throw new NotEnforcedError(`parameter ${name} has no default`);
  }
  const { type } = resourceOf(ctx, name);
  if (type === 'AWS::Events::EventBus') return busName(ctx, name);
  return physicalId(ctx, name);
}

function getAtt(ctx: Context, logicalId: string, attribute: string): string {
  const { type, properties } = resourceOf(ctx, logicalId);
  if (type === 'AWS::IAM::Role' && attribute === 'Arn')
    return iamArn(ctx, 'role', logicalId, properties.Path);
  if (type === 'AWS::IAM::User' && attribute === 'Arn')
    return iamArn(ctx, 'user', logicalId, properties.Path);
  if (type === 'AWS::Events::EventBus' && attribute === 'Name') return busName(ctx, logicalId);
  if (type === 'AWS::Events::EventBus' && attribute === 'Arn') {
    return eventBusArn(ctx.region, ctx.account, busName(ctx, logicalId));
  }
  throw new NotEnforcedError(`Fn::GetAtt ${logicalId}.${attribute} (${type}) is not resolved locally`);
}

function sub(ctx: Context, text: string, variables: Record<string, Json>): string {
  return text.replace(/\$\{(!?)([^}]+)\}/g, (_whole, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    if (name in variables) return String(resolve(ctx, variables[name]));
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) return getAtt(ctx, name.slice(0, dot), name.slice(dot + 1));
    return ref(ctx, name);
  });
}

/** Resolves the intrinsic functions a policy uses against the deployment; throws NotEnforcedError otherwise. */
function resolve(ctx: Context, value: Json): Json {
  if (Array.isArray(value)) return value.map((v) => resolve(ctx, v));
  if (!isObject(value)) return value;
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
      return listOf(resolve(ctx, arg[1]))
        .map((part) => String(part))
        .join(arg[0]);
    }
    if (key === 'Fn::Sub') {
      if (typeof arg === 'string') return sub(ctx, arg, {});
      if (Array.isArray(arg) && typeof arg[0] === 'string' && isObject(arg[1]))
        return sub(ctx, arg[0], arg[1]);
    }
    if (key === 'Fn::ImportValue') {
      const name = resolve(ctx, arg);
      const exported = typeof name === 'string' ? ctx.exports.get(name) : undefined;
      if (exported !== undefined) return exported;
      throw new NotEnforcedError(
        `Fn::ImportValue ${JSON.stringify(name)} is not an export of the deployed stacks`,
      );
    }
    throw new NotEnforcedError(`${key} is not resolved locally`);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(ctx, v)]));
}

function strings(ctx: Context, value: Json, what: string): string[] {
  return listOf(resolve(ctx, value)).map((v) => {
    if (typeof v !== 'string') throw new NotEnforcedError(`${what} ${JSON.stringify(v)} is not a string`);
    return v;
  });
}

/** The principal patterns of a Deny, or undefined for everyone. */
function principalsOf(ctx: Context, principal: Json): string[] | undefined {
  if (principal === '*') return undefined;
  if (!isObject(principal)) throw new NotEnforcedError('it has no Principal');
  const kinds = Object.keys(principal);
  if (kinds.some((k) => k !== 'AWS')) {
    throw new NotEnforcedError(
      `its ${kinds.filter((k) => k !== 'AWS').join(', ')} principal is not a local one`,
    );
  }
  const arns = strings(ctx, principal.AWS, 'principal');
  if (arns.includes('*')) return undefined;
  const notArn = arns.find((a) => !a.startsWith('arn:'));
  if (notArn !== undefined) {
    throw new NotEnforcedError(
      `principal ${notArn} (an account) is not told apart locally: name roles or users`,
    );
  }
  return arns;
}

function conditionsOf(ctx: Context, condition: Json): BusPolicyCondition[] {
  if (condition === undefined) return [];
  if (!isObject(condition)) throw new NotEnforcedError('its Condition is not an object');
  const result: BusPolicyCondition[] = [];
  for (const [operator, block] of Object.entries(condition)) {
    if (!(BUS_POLICY_OPERATORS as readonly string[]).includes(operator)) {
      throw new NotEnforcedError(
        `condition operator ${operator} is not evaluated locally (only ${BUS_POLICY_OPERATORS.join(', ')})`,
      );
    }
    if (!isObject(block)) throw new NotEnforcedError(`its ${operator} condition is not an object`);
    for (const [rawKey, values] of Object.entries(block)) {
      // Condition key names are case-insensitive in IAM; values are not.
      const key = BUS_POLICY_KEYS.find((k) => k.toLowerCase() === rawKey.toLowerCase());
      if (key === undefined) {
        throw new NotEnforcedError(
          `condition key ${rawKey} is not in the local request context (only ${BUS_POLICY_KEYS.join(', ')})`,
        );
      }
      result.push({
        operator: operator as BusPolicyOperator,
        key: key as BusPolicyKey,
        values: strings(ctx, values, `${operator} ${key} value`),
      });
    }
  }
  return result;
}

interface RawStatement {
  readonly origin: string;
  readonly label: string;
  readonly statement: Json;
}

/**
 * One statement: the Deny to enforce on `busArn`, nothing when it does not concern PutEvents on that bus,
 * and a note for what is not enforced.
 */
function statementOf(
  ctx: Context,
  busArn: string,
  raw: RawStatement,
  notes: string[],
): BusPolicyStatement | undefined {
  const note = (reason: string) => notes.push(`${raw.origin} ${raw.label}: ${reason}`);
  const s = raw.statement;
  try {
    if (!isObject(s)) throw new NotEnforcedError('it is not an object');
    if (s.Effect === 'Allow') {
      note(
        'an Allow, not evaluated: the emulator allows every request anyway (only Deny statements are enforced)',
      );
      return undefined;
    }
    if (s.Effect !== 'Deny') throw new NotEnforcedError(`its Effect is ${JSON.stringify(s.Effect)}`);
    for (const negated of ['NotAction', 'NotPrincipal', 'NotResource']) {
      if (s[negated] !== undefined) throw new NotEnforcedError(`${negated} is not evaluated locally`);
    }
    const actions = strings(ctx, s.Action, 'action');
    const putEvents = actions.filter((a) => globPattern(a, 'i').test(PUT_EVENTS));
    if (putEvents.length === 0) {
      throw new NotEnforcedError(
        `it denies ${actions.join(', ') || 'no action'}; only ${PUT_EVENTS} is enforced locally`,
      );
    }
    const resources = s.Resource === undefined ? [busArn] : strings(ctx, s.Resource, 'resource');
    if (!resources.some((r) => arnMatches(r, busArn))) return undefined;
    const principals = principalsOf(ctx, s.Principal);
    const statement: BusPolicyStatement = {
      ...(typeof s.Sid === 'string' ? { sid: s.Sid } : {}),
      origin: raw.origin,
      ...(principals ? { principals } : {}),
      conditions: conditionsOf(ctx, s.Condition),
    };
    const others = actions.filter((a) => a.toLowerCase() !== PUT_EVENTS.toLowerCase());
    if (others.length > 0) {
      note(
        `enforced for ${PUT_EVENTS} only; what it denies beyond (${others.join(', ')}) is not enforced locally`,
      );
    }
    return statement;
  } catch (err) {
    if (!(err instanceof NotEnforcedError)) throw err;
    note(`not enforced locally: ${err.message}`);
    return undefined;
  }
}

function labelOf(statement: Json, index: number): string {
  return isObject(statement) && typeof statement.Sid === 'string'
    ? `statement ${statement.Sid}`
    : `statement ${index + 1}`;
}

/** The bus name an EventBusPolicy's EventBusName resolves to (a name or an ARN; none is the default bus). */
function policyBusName(ctx: Context, value: Json): string {
  if (value === undefined) return 'default';
  const [name] = strings(ctx, value, 'EventBusName');
  if (name === undefined) throw new NotEnforcedError('its EventBusName is empty');
  return name.includes(':event-bus/') ? name.slice(name.indexOf(':event-bus/') + ':event-bus/'.length) : name;
}

function exportsOf(stacks: readonly PolicyStack[], region: string, account: string): Map<string, string> {
  const exports = new Map<string, string>();
  for (const stack of stacks) {
    const ctx: Context = { stack, region, account, exports };
    for (const [key, output] of Object.entries(stack.template.Outputs ?? {})) {
      const value = stack.outputs[key];
      if (output.Export === undefined || value === undefined) continue;
      try {
        const name = resolve(ctx, output.Export.Name);
        if (typeof name === 'string') exports.set(name, value);
      } catch (err) {
        if (!(err instanceof NotEnforcedError)) throw err;
      }
    }
  }
  return exports;
}

/**
 * The bus policies of the deployed stacks, resolved: statements per bus, the principals (every IAM role
 * and user of the stacks, by the access key id they sign with), and notes for what is not enforced.
 */
export function resolveBusPolicies(
  stacks: readonly PolicyStack[],
  env: { readonly region: string; readonly account: string },
): BusPolicyResolution {
  const exports = exportsOf(stacks, env.region, env.account);
  const principals: Record<string, string> = {};
  const buses: Record<string, { arn: string; statements: BusPolicyStatement[] }> = {};
  const notes: string[] = [];

  for (const stack of stacks) {
    const ctx: Context = { stack, region: env.region, account: env.account, exports };
    for (const [id, resource] of Object.entries(stack.template.Resources ?? {})) {
      const origin = `${stack.stackName}/${id}`;
      const props = resource.Properties ?? {};
      if (resource.Type === 'AWS::IAM::Role' || resource.Type === 'AWS::IAM::User') {
        const kind = resource.Type === 'AWS::IAM::Role' ? 'role' : 'user';
        if (stack.resources[id]?.physicalId) {
          const arn = iamArn(ctx, kind, id, props.Path);
          principals[principalAccessKeyId(arn)] = arn;
        }
        continue;
      }

      let name: string;
      let raws: RawStatement[];
      try {
        if (resource.Type === 'AWS::Events::EventBus') {
          name = busName(ctx, id);
          // Listed even without a policy, so an emulator reused from an earlier deployment drops its statements.
          const document = typeof props.Policy === 'string' ? JSON.parse(props.Policy) : (props.Policy ?? {});
          raws = listOf(isObject(document) ? document.Statement : undefined).map((statement, i) => ({
            origin,
            label: labelOf(statement, i),
            statement,
          }));
        } else if (resource.Type === 'AWS::Events::EventBusPolicy') {
          name = policyBusName(ctx, props.EventBusName);
          const label =
            typeof props.StatementId === 'string' ? `statement ${props.StatementId}` : 'statement';
          // Without Statement it is the older Action/Principal form, which can only grant.
          const statement = props.Statement ?? { Effect: 'Allow' };
          raws = [{ origin, label, statement }];
        } else {
          continue;
        }
      } catch (err) {
        if (!(err instanceof NotEnforcedError || err instanceof SyntaxError)) throw err;
        if (resource.Type === 'AWS::Events::EventBus' && props.Policy === undefined) continue;
        notes.push(`${origin}: its bus policy is not enforced locally: ${err.message}`);
        continue;
      }
      const arn = eventBusArn(env.region, env.account, name);
      const bus = buses[name] ?? { arn, statements: [] };
      buses[name] = bus;
      for (const raw of raws) {
        const statement = statementOf(ctx, arn, raw, notes);
        if (statement) bus.statements.push(statement);
      }
    }
  }
  return { policies: { principals, buses }, notes };
}
