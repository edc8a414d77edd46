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

interface TemplateResource {
  readonly Type?: string;
  readonly Properties?: {
    readonly EventPattern?: { readonly 'detail-type'?: readonly string[] };
    readonly Targets?: readonly unknown[];
  };
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
        detailTypes: r.Properties?.EventPattern?.['detail-type'],
        targets: r.Properties?.Targets?.length ?? 0,
      })),
  );
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
  const hops = events.reduce(
    (n, detailType) =>
      n +
      routes
        .filter((r) => r.detailTypes === undefined || r.detailTypes.includes(detailType))
        .reduce((t, r) => t + r.targets, 0),
    0,
  );
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
