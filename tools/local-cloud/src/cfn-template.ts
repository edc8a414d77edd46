/**
 * The CloudFormation template as every reader of this package sees it: its typed sections, its
 * resources by type, and the logical ids its references name. Resolving references against a deployment
 * is template-resolution.ts.
 */

export type CfnTemplate = {
  Resources?: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
  [section: string]: unknown;
};

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  [attribute: string]: unknown;
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The resources of one type, with their logical ids, in template order. */
export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === type);
}

/** The logical id `value` names when it is a Ref or an Fn::GetAtt, else undefined. */
export function referenceTarget(value: unknown): string | undefined {
  if (!isJsonObject(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** Every logical id a Ref, Fn::GetAtt or Fn::ImportValue inside `value` names (import names prefixed `import:`). */
export function referencesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencesIn);
  if (!isJsonObject(value)) return [];
  const target = referenceTarget(value);
  if (target !== undefined) return [target];
  if (typeof value['Fn::ImportValue'] === 'string') return [`import:${value['Fn::ImportValue']}`];
  return Object.values(value).flatMap(referencesIn);
}
