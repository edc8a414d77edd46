/**
 * Route selection as HTTP APIs do it: a route key is `METHOD /path` (method or `ANY`; path segments
 * literal, `{name}`, or a last greedy `{name+}`), or `$default`. Of the routes that match, API Gateway
 * takes the most specific: literal segments before variables, variables before a greedy variable,
 * a method before ANY, and `$default` only when nothing else matches. Paths are case-sensitive.
 */

export type Segment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'variable'; readonly name: string }
  | { readonly kind: 'greedy'; readonly name: string };

export type RouteKey =
  | { readonly kind: 'default'; readonly text: '$default' }
  | {
      readonly kind: 'route';
      readonly text: string;
      /** Upper case, or `ANY`. */
      readonly method: string;
      readonly segments: readonly Segment[];
    };

export class RouteKeyError extends Error {
  override readonly name = 'RouteKeyError';
}

const METHODS = ['ANY', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

/** Parses a RouteKey; `where` names the route in the error. */
export function parseRouteKey(text: string, where: string): RouteKey {
  if (text === '$default') return { kind: 'default', text };
  const match = /^([A-Z]+) (\/\S*)$/.exec(text);
  if (!match?.[1] || !match[2] || !METHODS.includes(match[1])) {
    throw new RouteKeyError(`route ${where}: RouteKey "${text}" is not "$default" or "<METHOD> /<path>"`);
  }
  const parts = match[2] === '/' ? [] : match[2].slice(1).split('/');
  const segments = parts.map((part, i): Segment => {
    const variable = /^\{([A-Za-z0-9._-]+)(\+?)\}$/.exec(part);
    if (!variable?.[1]) return { kind: 'literal', value: part };
    if (variable[2] !== '+') return { kind: 'variable', name: variable[1] };
    if (i !== parts.length - 1) {
      throw new RouteKeyError(`route ${where}: greedy variable {${variable[1]}+} must be the last segment`);
    }
    return { kind: 'greedy', name: variable[1] };
  });
  return { kind: 'route', text, method: match[1], segments };
}

export interface RouteMatch<R> {
  readonly route: R;
  /** Decoded values, as the event's `pathParameters` carries them. */
  readonly pathParameters: Readonly<Record<string, string>>;
}

function decode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** A score per segment (2 literal, 1 variable, 0 greedy), or undefined when the path does not match. */
function matchSegments(
  segments: readonly Segment[],
  parts: readonly string[],
): { score: number[]; params: Record<string, string> } | undefined {
  const score: number[] = [];
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as Segment;
    if (segment.kind === 'greedy') {
      // A greedy variable needs at least one segment.
      if (i >= parts.length || parts.slice(i).join('/') === '') return undefined;
      params[segment.name] = decode(parts.slice(i).join('/'));
      score.push(0);
      return { score, params };
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (decode(part) !== segment.value) return undefined;
      score.push(2);
    } else {
      if (part === '') return undefined;
      params[segment.name] = decode(part);
      score.push(1);
    }
  }
  return segments.length === parts.length ? { score, params } : undefined;
}

function compareScores(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The route a request reaches: `path` is the raw path below the stage (`/orders/42`). Undefined when
 * no route and no `$default` matches (API Gateway answers 404).
 */
export function matchRoute<R extends { readonly key: RouteKey }>(
  routes: readonly R[],
  method: string,
  path: string,
): RouteMatch<R> | undefined {
  const parts = path === '/' || path === '' ? [] : path.replace(/^\//, '').split('/');
  let best: { route: R; params: Record<string, string>; score: number[] } | undefined;
  for (const route of routes) {
    const { key } = route;
    if (key.kind !== 'route' || (key.method !== 'ANY' && key.method !== method.toUpperCase())) continue;
    const matched = matchSegments(key.segments, parts);
    if (!matched) continue;
    // A method beats ANY for the same path.
    const score = [...matched.score, key.method === 'ANY' ? 0 : 1];
    if (!best || compareScores(score, best.score) > 0) best = { route, params: matched.params, score };
  }
  if (best) return { route: best.route, pathParameters: best.params };
  const fallback = routes.find((r) => r.key.kind === 'default');
  return fallback ? { route: fallback, pathParameters: {} } : undefined;
}

/**
 * The stage a raw path addresses and the path below it: `/prod/orders` is stage `prod` when there is one,
 * anything else goes to `$default` (when the API has it), as on the execute-api endpoint.
 */
export function selectStage<S extends { readonly name: string }>(
  stages: readonly S[],
  rawPath: string,
): { stage: S; routePath: string } | undefined {
  const first = rawPath.split('/')[1] ?? '';
  const named = stages.find((s) => s.name !== '$default' && s.name === decode(first));
  if (named) return { stage: named, routePath: rawPath.slice(first.length + 1) || '/' };
  const fallback = stages.find((s) => s.name === '$default');
  return fallback ? { stage: fallback, routePath: rawPath } : undefined;
}
