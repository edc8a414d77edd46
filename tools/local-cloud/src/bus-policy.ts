import { isJsonObject } from './cfn-template';
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
import {
  busName,
  eventBusArn,
  exportsOf,
  iamArn,
  listOf,
  type ResolutionContext,
  type ResolutionStack,
  resolveStrings,
  UnresolvableError,
} from './template-resolution';

export { eventBusArn } from './template-resolution';

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
export interface PolicyStack extends ResolutionStack {
  readonly outputs: Readonly<Record<string, string>>;
}

export interface BusPolicyResolution {
  /** The wire form for `emulator.setBusPolicies()`. */
  readonly policies: EmulatorBusPolicies;
  /** One line per statement (or part of one) that is not enforced locally, with the reason. */
  readonly notes: readonly string[];
}

const PUT_EVENTS = 'events:PutEvents';

/** A statement, or a reference in it, the local evaluation cannot follow: it becomes a note. */
class NotEnforcedError extends UnresolvableError {}

type Json = unknown;

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

/** The principal patterns of a Deny, or undefined for everyone. */
function principalsOf(ctx: ResolutionContext, principal: Json): string[] | undefined {
  if (principal === '*') return undefined;
  if (!isJsonObject(principal)) throw new NotEnforcedError('it has no Principal');
  const kinds = Object.keys(principal);
  if (kinds.some((k) => k !== 'AWS')) {
    throw new NotEnforcedError(
      `its ${kinds.filter((k) => k !== 'AWS').join(', ')} principal is not a local one`,
    );
  }
  const arns = resolveStrings(ctx, principal.AWS, 'principal');
  if (arns.includes('*')) return undefined;
  const notArn = arns.find((a) => !a.startsWith('arn:'));
  if (notArn !== undefined) {
    throw new NotEnforcedError(
      `principal ${notArn} (an account) is not told apart locally: name roles or users`,
    );
  }
  return arns;
}

function conditionsOf(ctx: ResolutionContext, condition: Json): BusPolicyCondition[] {
  if (condition === undefined) return [];
  if (!isJsonObject(condition)) throw new NotEnforcedError('its Condition is not an object');
  const result: BusPolicyCondition[] = [];
  for (const [operator, block] of Object.entries(condition)) {
    if (!(BUS_POLICY_OPERATORS as readonly string[]).includes(operator)) {
      throw new NotEnforcedError(
        `condition operator ${operator} is not evaluated locally (only ${BUS_POLICY_OPERATORS.join(', ')})`,
      );
    }
    if (!isJsonObject(block)) throw new NotEnforcedError(`its ${operator} condition is not an object`);
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
        values: resolveStrings(ctx, values, `${operator} ${key} value`),
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
  ctx: ResolutionContext,
  busArn: string,
  raw: RawStatement,
  notes: string[],
): BusPolicyStatement | undefined {
  const note = (reason: string) => notes.push(`${raw.origin} ${raw.label}: ${reason}`);
  const s = raw.statement;
  try {
    if (!isJsonObject(s)) throw new NotEnforcedError('it is not an object');
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
    const actions = resolveStrings(ctx, s.Action, 'action');
    const putEvents = actions.filter((a) => globPattern(a, 'i').test(PUT_EVENTS));
    if (putEvents.length === 0) {
      throw new NotEnforcedError(
        `it denies ${actions.join(', ') || 'no action'}; only ${PUT_EVENTS} is enforced locally`,
      );
    }
    const resources = s.Resource === undefined ? [busArn] : resolveStrings(ctx, s.Resource, 'resource');
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
    if (!(err instanceof UnresolvableError)) throw err;
    note(`not enforced locally: ${err.message}`);
    return undefined;
  }
}

function labelOf(statement: Json, index: number): string {
  return isJsonObject(statement) && typeof statement.Sid === 'string'
    ? `statement ${statement.Sid}`
    : `statement ${index + 1}`;
}

/** The bus name an EventBusPolicy's EventBusName resolves to (a name or an ARN; none is the default bus). */
function policyBusName(ctx: ResolutionContext, value: Json): string {
  if (value === undefined) return 'default';
  const [name] = resolveStrings(ctx, value, 'EventBusName');
  if (name === undefined) throw new NotEnforcedError('its EventBusName is empty');
  return name.includes(':event-bus/') ? name.slice(name.indexOf(':event-bus/') + ':event-bus/'.length) : name;
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
    const ctx: ResolutionContext = { stack, region: env.region, account: env.account, exports };
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
          raws = listOf(isJsonObject(document) ? document.Statement : undefined).map((statement, i) => ({
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
        if (!(err instanceof UnresolvableError || err instanceof SyntaxError)) throw err;
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
