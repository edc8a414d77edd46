import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServedApi } from './gateway';

/**
 * `.local/endpoints.json`, what `npm run local -- --keep` serves, for drivers and checks in other
 * processes: `{ "api": URL, "aws": emulator endpoint, "stage": name }` (api null when the app has no
 * HTTP API), plus the region, every API with its routes, and the JWT issuer file when a route is JWT.
 * And the ready-to-paste curl line of each route.
 */

export interface EndpointsFile {
  /** The first HTTP API's URL; null when the app has none. */
  readonly api: string | null;
  /** The emulator endpoint (AWS_ENDPOINT_URL for SDKs and the aws CLI). */
  readonly aws: string;
  /** The app's stage. */
  readonly stage: string;
  readonly region: string;
  readonly apis: readonly {
    readonly name: string;
    readonly stack: string;
    readonly url: string;
    readonly routes: readonly { readonly routeKey: string; readonly authorization: string }[];
  }[];
  /** Where `mintTokenFromFile` reads the local issuer's key; absent without JWT routes. */
  readonly jwtIssuerFile?: string;
}

export function endpointsOf(input: {
  readonly apis: readonly ServedApi[];
  readonly aws: string;
  readonly stage: string;
  readonly region: string;
  readonly jwtIssuerFile?: string;
}): EndpointsFile {
  const hasJwt = input.apis.some((a) => a.definition.routes.some((r) => r.authorization.type === 'JWT'));
  return {
    api: input.apis[0]?.url ?? null,
    aws: input.aws,
    stage: input.stage,
    region: input.region,
    apis: input.apis.map((a) => ({
      name: a.definition.name,
      stack: a.definition.stackName,
      url: a.url,
      routes: a.definition.routes.map((r) => ({ routeKey: r.key.text, authorization: r.authorization.type })),
    })),
    ...(hasJwt && input.jwtIssuerFile ? { jwtIssuerFile: input.jwtIssuerFile } : {}),
  };
}

export function writeEndpoints(path: string, endpoints: EndpointsFile): void {
  writeFileSync(path, `${JSON.stringify(endpoints, null, 2)}\n`);
}

/** The endpoints a running `npm run local -- --keep` wrote; throws saying how to get them. */
export function readEndpoints(path: string): EndpointsFile {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as EndpointsFile;
  } catch (err) {
    throw new Error(
      `cannot read ${path} (${(err as Error).message.split('\n')[0]}): start \`npm run local -- --keep\` and wait for "ready"`,
    );
  }
}

export function removeEndpoints(path: string): void {
  rmSync(path, { force: true });
}

/** A URL path for a route key's path: each `{name}` and `{name+}` becomes an example value. */
function examplePath(routeKey: string): string {
  const path = routeKey.split(' ')[1] ?? '/';
  return path.replace(/\{([^}+]+)\+?\}/g, (_whole, name: string) => `example-${name}`);
}

/** What a route's curl line sends, where the app knows a meaningful request (a valid body, its headers). */
export interface RouteExample {
  /** The path with its parameters filled in. @default - each `{name}` becomes `example-name` */
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON text. @default - `{}` for POST, PUT and PATCH */
  readonly body?: string;
}

/** Quotes a value for a POSIX shell. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * One curl line per route: IAM routes signed by curl itself (`--aws-sigv4`) with the local credentials,
 * JWT routes with `token` (a minted one), open routes bare. `examples` (by route key, e.g. `POST /orders`)
 * make a line send a request the app accepts.
 */
export function curlExamples(
  apis: readonly ServedApi[],
  options: {
    readonly region: string;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
    readonly token?: string;
    readonly examples?: Readonly<Record<string, RouteExample>>;
  },
): string[] {
  return apis.flatMap((api) =>
    api.definition.routes.map((route) => {
      const key = route.key;
      const example = options.examples?.[key.text];
      const method = key.kind === 'route' && key.method !== 'ANY' ? key.method : 'GET';
      const path = example?.path ?? (key.kind === 'route' ? examplePath(key.text) : '/');
      const headers = Object.entries(example?.headers ?? {})
        .map(([name, value]) => ` -H ${shellQuote(`${name}: ${value}`)}`)
        .join('');
      const bodyText = example?.body ?? (['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined);
      const body =
        bodyText === undefined ? '' : ` -H 'content-type: application/json' -d ${shellQuote(bodyText)}`;
      const auth =
        route.authorization.type === 'AWS_IAM'
          ? ` --aws-sigv4 'aws:amz:${options.region}:execute-api' --user '${options.credentials.accessKeyId}:${options.credentials.secretAccessKey}'`
          : route.authorization.type === 'JWT'
            ? ` -H "authorization: Bearer ${options.token ?? '<token: npm run local -- --token <subject>>'}"`
            : '';
      return `curl -i -X ${method} '${api.url}${path}'${auth}${headers}${body}`;
    }),
  );
}
