import { createHash } from 'node:crypto';
import { type CfnTemplate, isJsonObject, resourcesOfType } from './cfn-template';
import { localApiGatewayId } from './http-api/ids';

/**
 * Template changes applied ONLY when deploying to moto, each for a moto limitation verified against
 * moto 5.2.1 (see docs in tools/local-cloud/README.md). The synthesized template on disk is never changed: the
 * shimmed copy is what moto receives, the original is what the Lambda runner reads.
 */

export type ShimId =
  | 'event-bus-ref-to-name'
  | 'sqs-event-source-mapping-disabled'
  | 'archive-name'
  | 'archive-event-pattern-string'
  | 'kms-key-tags'
  | 'alarm-refs'
  | 'archive-ref-to-name'
  | 'rule-ref-on-custom-bus'
  | 'api-gateway-v2-refs';

export interface AppliedShim {
  readonly shim: ShimId;
  /** Logical ids of the resources the shim changed (or, for references, the referenced resource). */
  readonly logicalIds: readonly string[];
  readonly reason: string;
}

export const SHIM_REASONS: Record<ShimId, string> = {
  'event-bus-ref-to-name':
    "moto's AWS::Events::EventBus has no physical id: a Ref to it yields the Python object and CreateStack " +
    'fails (AttributeError: EventBus has no attribute split). Fn::GetAtt Name is the same value (a bus Ref is its name).',
  'archive-name':
    'an AWS::Events::Archive without ArchiveName gets a moto-generated name "<stack>-<logical id>-<suffix>" ' +
    "that breaks moto's own 48-character limit (ValidationException). CloudFormation generates a valid one; " +
    'the shim sets a short unique name instead.',
  'archive-event-pattern-string':
    "moto's AWS::Events::Archive passes the EventPattern object to json.loads (TypeError, HTTP 500 on " +
    'CreateStack); CloudFormation accepts a Json property as an object or as a string, so the shim sends the string.',
  'archive-ref-to-name':
    "moto's AWS::Events::Archive has no physical id either: a Ref to it (the archive name output) yields the " +
    "Python object's repr. Fn::GetAtt ArchiveName is the same value (an archive Ref is its name).",
  'alarm-refs':
    'moto has no CloudFormation support for AWS::CloudWatch::Alarm and skips it, so a Ref or Fn::GetAtt to an ' +
    'alarm (a dashboard alarm widget) fails CreateStack ("references undefined resource"). The shim puts the ' +
    "alarm's name (its logical id) and the ARN CloudWatch would give it in their place.",
  'rule-ref-on-custom-bus':
    'for a rule on a custom bus CloudFormation returns "<bus>|<rule>" as its Ref, moto the bare rule name, so ' +
    'a template that splits the Ref (for the rule name its metrics carry) fails CreateStack ' +
    '(IndexError in Fn::Select). The shim builds the Ref CloudFormation returns: Fn::Join of the bus name and the Ref.',
  'kms-key-tags':
    "moto's AWS::KMS::Key hands the CloudFormation Tags ({Key, Value}) to its KMS tagger, which reads the " +
    "KMS API's {TagKey, TagValue} (KeyError: 'TagKey', HTTP 500 on CreateStack); the shim sends the API's shape.",
  'api-gateway-v2-refs':
    'moto has no CloudFormation support for AWS::ApiGatewayV2::* and skips those resources, so a Ref or ' +
    "Fn::GetAtt to one (the API URL output, a Lambda permission's SourceArn) fails CreateStack. The shim puts " +
    'the ids the local HTTP API serves them under (http-api/ids.ts) and the URL AWS would give in their place.',
  'sqs-event-source-mapping-disabled':
    'moto cannot run Lambda code without Docker, yet an enabled SQS mapping makes it receive every message ' +
    'on arrival, fail the invoke and return it, which burns ApproximateReceiveCount and dead-letters ' +
    'healthy messages. The local Lambda runner polls these queues instead, with the mapping settings.',
};

type Json = unknown;

/** Returns a copy of `value` with every node passed through `fn` (children first). */
function mapJson(value: Json, fn: (node: Json) => Json): Json {
  if (Array.isArray(value)) return fn(value.map((v) => mapJson(v, fn)));
  if (isJsonObject(value)) {
    return fn(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapJson(v, fn)])));
  }
  return fn(value);
}

/** Whether an EventSourceArn points at an SQS queue of this template or is an SQS ARN. */
export function isSqsEventSource(template: CfnTemplate, eventSourceArn: Json): boolean {
  if (typeof eventSourceArn === 'string')
    return eventSourceArn.startsWith('arn:') && eventSourceArn.includes(':sqs:');
  if (isJsonObject(eventSourceArn)) {
    const getAtt = eventSourceArn['Fn::GetAtt'];
    const target = Array.isArray(getAtt)
      ? getAtt[0]
      : typeof getAtt === 'string'
        ? getAtt.split('.')[0]
        : undefined;
    if (typeof target === 'string') return template.Resources?.[target]?.Type === 'AWS::SQS::Queue';
    // An imported queue: CDK writes its ARN as Fn::ImportValue or Fn::Join with ":sqs:".
    return JSON.stringify(eventSourceArn).includes(':sqs:');
  }
  return false;
}

/** EventBridge archive names: 1-48 characters of [.-_A-Za-z0-9]. */
const ARCHIVE_NAME_MAX = 48;

/** A short, valid, stable archive name unique per stack and logical id. */
export function localArchiveName(stackName: string, logicalId: string): string {
  const hash = createHash('sha256').update(`${stackName}/${logicalId}`).digest('hex').slice(0, 8);
  const base = logicalId.replace(/[^.\-_A-Za-z0-9]/g, '').slice(0, ARCHIVE_NAME_MAX - hash.length - 1);
  return `${base}-${hash}`;
}

export interface ShimOptions {
  /** The stack the template is deployed as: generated names must be unique per emulator. */
  readonly stackName: string;
}

/** Applies every moto shim to a copy of `template`. */
export function applyMotoShims(
  template: CfnTemplate,
  options: ShimOptions,
): { template: CfnTemplate; applied: AppliedShim[] } {
  const applied: AppliedShim[] = [];
  /** Reports a shim that changed something. */
  const report = (shim: ShimId, logicalIds: Iterable<string>) => {
    const ids = [...logicalIds].sort();
    if (ids.length > 0) applied.push({ shim, logicalIds: ids, reason: SHIM_REASONS[shim] });
  };

  const buses = new Set(resourcesOfType(template, 'AWS::Events::EventBus').map(([id]) => id));
  const rewrittenBuses = new Set<string>();
  let shimmed = mapJson(template, (node) => {
    if (!isJsonObject(node)) return node;
    const keys = Object.keys(node);
    if (keys.length === 1 && typeof node.Ref === 'string' && buses.has(node.Ref)) {
      rewrittenBuses.add(node.Ref);
      return { 'Fn::GetAtt': [node.Ref, 'Name'] };
    }
    if (keys.length === 1 && node['Fn::Sub'] !== undefined) {
      // ${Bus} inside Fn::Sub is a Ref too; ${Bus.Name} is moto's GetAtt form.
      const sub = node['Fn::Sub'];
      const rewrite = (s: string) =>
        s.replace(/\$\{([A-Za-z0-9]+)\}/g, (whole, id: string) => {
          if (!buses.has(id)) return whole;
          rewrittenBuses.add(id);
          return `\${${id}.Name}`;
        });
      if (typeof sub === 'string') return { 'Fn::Sub': rewrite(sub) };
      if (Array.isArray(sub) && typeof sub[0] === 'string')
        return { 'Fn::Sub': [rewrite(sub[0]), ...sub.slice(1)] };
    }
    return node;
  }) as CfnTemplate;
  report('event-bus-ref-to-name', rewrittenBuses);

  const disabled: string[] = [];
  for (const [id, resource] of resourcesOfType(shimmed, 'AWS::Lambda::EventSourceMapping')) {
    if (!isSqsEventSource(shimmed, resource.Properties?.EventSourceArn)) continue;
    if (resource.Properties?.Enabled === false) continue;
    resource.Properties = { ...resource.Properties, Enabled: false };
    disabled.push(id);
  }
  report('sqs-event-source-mapping-disabled', disabled);

  const named: string[] = [];
  const stringified: string[] = [];
  for (const [id, resource] of resourcesOfType(shimmed, 'AWS::Events::Archive')) {
    const props = { ...resource.Properties };
    if (props.ArchiveName === undefined) {
      props.ArchiveName = localArchiveName(options.stackName, id);
      named.push(id);
    }
    if (isJsonObject(props.EventPattern)) {
      props.EventPattern = JSON.stringify(props.EventPattern);
      stringified.push(id);
    }
    resource.Properties = props;
  }
  report('archive-name', named);
  report('archive-event-pattern-string', stringified);

  const alarms = new Set(resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([id]) => id));
  const archives = new Set(resourcesOfType(template, 'AWS::Events::Archive').map(([id]) => id));
  const alarmRefs = new Set<string>();
  const archiveRefs = new Set<string>();
  const withoutAlarmRefs = mapJson(shimmed, (node) => {
    if (!isJsonObject(node) || Object.keys(node).length !== 1) return node;
    if (typeof node.Ref === 'string' && archives.has(node.Ref)) {
      archiveRefs.add(node.Ref);
      return { 'Fn::GetAtt': [node.Ref, 'ArchiveName'] };
    }
    if (typeof node.Ref === 'string' && alarms.has(node.Ref)) {
      alarmRefs.add(node.Ref);
      return node.Ref;
    }
    const getAtt = node['Fn::GetAtt'];
    const [id, attribute] = Array.isArray(getAtt)
      ? getAtt
      : typeof getAtt === 'string'
        ? getAtt.split('.')
        : [];
    if (typeof id === 'string' && alarms.has(id) && attribute === 'Arn') {
      alarmRefs.add(id);
      return {
        'Fn::Sub': `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${id}`,
      };
    }
    return node;
  }) as CfnTemplate;
  report('archive-ref-to-name', archiveRefs);
  report('alarm-refs', alarmRefs);
  shimmed = withoutAlarmRefs;

  // The rules' EventBusName as shimmed above: a bus Ref has become its Name attribute.
  const ruleBuses = new Map(
    resourcesOfType(shimmed, 'AWS::Events::Rule').flatMap(([id, rule]) => {
      const bus = rule.Properties?.EventBusName;
      return bus === undefined || bus === 'default' ? [] : [[id, bus] as const];
    }),
  );
  const rewrittenRules = new Set<string>();
  shimmed = mapJson(shimmed, (node) => {
    if (!isJsonObject(node) || Object.keys(node).length !== 1 || typeof node.Ref !== 'string') return node;
    const bus = ruleBuses.get(node.Ref);
    if (bus === undefined) return node;
    rewrittenRules.add(node.Ref);
    return { 'Fn::Join': ['|', [bus, node]] };
  }) as CfnTemplate;
  report('rule-ref-on-custom-bus', rewrittenRules);

  const retagged: string[] = [];
  for (const [id, resource] of resourcesOfType(shimmed, 'AWS::KMS::Key')) {
    const tags = resource.Properties?.Tags;
    if (!Array.isArray(tags) || tags.length === 0) continue;
    resource.Properties = {
      ...resource.Properties,
      Tags: tags.map((t: Json) => (isJsonObject(t) && 'Key' in t ? { TagKey: t.Key, TagValue: t.Value } : t)),
    };
    retagged.push(id);
  }
  report('kms-key-tags', retagged);

  const apiRefs = new Set<string>();
  shimmed = replaceApiGatewayV2Refs(shimmed, options.stackName, apiRefs);
  report('api-gateway-v2-refs', apiRefs);

  return { template: shimmed, applied };
}

/** What a Ref or Fn::GetAtt of an API Gateway V2 resource resolves to on AWS, for resources moto skips. */
function replaceApiGatewayV2Refs(
  template: CfnTemplate,
  stackName: string,
  replaced: Set<string>,
): CfnTemplate {
  const resources = new Map(
    Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type.startsWith('AWS::ApiGatewayV2::')),
  );
  if (resources.size === 0) return template;
  /** A literal for `id` or `id.attribute`, or undefined when the reference is not to such a resource. */
  const replacement = (id: string, attribute?: string): Json => {
    const resource = resources.get(id);
    if (!resource) return undefined;
    replaced.add(id);
    const gatewayId = localApiGatewayId(stackName, id);
    if (resource.Type === 'AWS::ApiGatewayV2::Stage' && attribute === undefined) {
      return resource.Properties?.StageName ?? gatewayId;
    }
    if (resource.Type === 'AWS::ApiGatewayV2::Api' && attribute === 'ApiEndpoint') {
      return { 'Fn::Sub': `https://${gatewayId}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}` };
    }
    return gatewayId;
  };
  return mapJson(template, (node) => {
    if (!isJsonObject(node) || Object.keys(node).length !== 1) return node;
    if (typeof node.Ref === 'string') return replacement(node.Ref) ?? node;
    const getAtt = node['Fn::GetAtt'];
    const [id, attribute] = Array.isArray(getAtt)
      ? getAtt
      : typeof getAtt === 'string'
        ? getAtt.split('.')
        : [];
    if (typeof id === 'string' && typeof attribute === 'string') return replacement(id, attribute) ?? node;
    const sub = node['Fn::Sub'];
    const text = typeof sub === 'string' ? sub : Array.isArray(sub) ? sub[0] : undefined;
    if (typeof text !== 'string') return node;
    const rewritten = text.replace(
      /\$\{([A-Za-z0-9]+)(?:\.([A-Za-z]+))?\}/g,
      (whole, ref: string, attr?: string) => {
        const value = replacement(ref, attr);
        if (value === undefined) return whole;
        // The endpoint is itself a Sub of pseudo parameters, which stay for the outer Sub to resolve.
        return typeof value === 'string' ? value : String((value as { 'Fn::Sub': string })['Fn::Sub']);
      },
    );
    return { 'Fn::Sub': typeof sub === 'string' ? rewritten : [rewritten, ...(sub as Json[]).slice(1)] };
  }) as CfnTemplate;
}
