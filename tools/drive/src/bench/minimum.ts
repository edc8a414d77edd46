/**
 * The fewest AWS calls an order can cost on this topology: per hop one event entry, one queue delivery,
 * a receive and a delete per full batch, one state write. Derived from the synthesized rules, so it
 * follows the app: add a consumer and the minimum grows with it.
 */

/** PutEvents takes at most 10 entries; ReceiveMessage returns and DeleteMessageBatch deletes at most 10. */
export const MAX_ENTRIES_PER_CALL = 10;

/** The operation a hop's single state write is listed under (any write: PutItem, UpdateItem, ...). */
export const STATE_WRITE = 'DynamoDB.(one state write)';

export interface RuleRoute {
  readonly logicalId: string;
  /** Detail types the rule matches; undefined matches every detail type of its source. */
  readonly detailTypes?: readonly string[];
  /** Targets of the rule: each gets its own delivery. */
  readonly targets: number;
}

interface DetailTypePattern {
  readonly source?: readonly string[];
  readonly 'detail-type'?: readonly string[];
  /** Branches a rule matches any of: how a rule lists each detail type with its own source. */
  readonly $or?: readonly DetailTypePattern[];
}

interface TemplateResource {
  readonly Type?: string;
  readonly Properties?: {
    readonly EventPattern?: DetailTypePattern;
    readonly Targets?: readonly unknown[];
  };
}

/** The detail types a pattern matches, over its `$or` branches; undefined when one matches every type. */
function detailTypesOf(pattern: DetailTypePattern): readonly string[] | undefined {
  if (pattern.$or === undefined) return pattern['detail-type'];
  const branches = pattern.$or.map(detailTypesOf);
  return branches.some((b) => b === undefined) ? undefined : [...new Set(branches.flatMap((b) => b ?? []))];
}

/** The EventBridge rules of synthesized templates. */
export function ruleRoutes(
  templates: readonly { readonly Resources?: Record<string, TemplateResource> }[],
): RuleRoute[] {
  return templates.flatMap((t) =>
    Object.entries(t.Resources ?? {})
      .filter(([, r]) => r.Type === 'AWS::Events::Rule')
      .map(([logicalId, r]) => ({
        logicalId,
        detailTypes: detailTypesOf(r.Properties?.EventPattern ?? {}),
        targets: r.Properties?.Targets?.length ?? 0,
      })),
  );
}

/** Queue deliveries one entry of `detailType` makes: one per target of every rule that matches it. */
export function deliveriesPerEntry(routes: readonly RuleRoute[]): (detailType: string) => number {
  return (detailType) =>
    routes
      .filter((r) => r.detailTypes === undefined || r.detailTypes.includes(detailType))
      .reduce((n, r) => n + r.targets, 0);
}

export interface MinimumCalls {
  readonly total: number;
  readonly byOperation: Readonly<Record<string, number>>;
  /** Queue deliveries (hops) of one order. */
  readonly hops: number;
  readonly events: number;
}

/** The minimum for an order that puts `events` on the bus (e.g. the happy path's five facts). */
export function minimumCallsPerOrder(events: readonly string[], routes: readonly RuleRoute[]): MinimumCalls {
  const deliveries = deliveriesPerEntry(routes);
  const hops = events.reduce((n, detailType) => n + deliveries(detailType), 0);
  const byOperation = {
    'EventBridge.PutEvents': events.length / MAX_ENTRIES_PER_CALL,
    'SQS.SendMessage': hops,
    'SQS.ReceiveMessage': hops / MAX_ENTRIES_PER_CALL,
    'SQS.DeleteMessageBatch': hops / MAX_ENTRIES_PER_CALL,
    [STATE_WRITE]: hops,
  };
  const total = Object.values(byOperation).reduce((a, b) => a + b, 0);
  return { total, byOperation, hops, events: events.length };
}
