import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  type CryptoKey,
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';

/**
 * The local issuer of JWT routes. On AWS a JWT authorizer fetches its issuer's keys from the issuer's
 * `jwks_uri`; locally nothing leaves the machine, so the gateway creates an RSA key pair at start, mints
 * tokens with it and verifies bearer tokens against it, with the checks API Gateway makes ("Control access
 * to HTTP APIs with JWT authorizers"): a `kid`, an RSA signature, `iss` equal to the authorizer's
 * Issuer, `aud` (or `client_id`) one of its Audience, `exp` in the future, `nbf` and `iat` not, and at
 * least one of the route's scopes when it names any. Tokens carry the authorizer's issuer, so claims
 * look as they will on AWS.
 */

/** API Gateway accepts RSA signatures only. */
const ALGORITHM = 'RS256';
/** One hour, as identity providers issue access tokens by default. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;

export interface JwtCheckConfig {
  readonly issuer: string;
  readonly audience: readonly string[];
  /** The route's AuthorizationScopes; empty means any token of the issuer. */
  readonly scopes: readonly string[];
}

export interface MintOptions {
  readonly issuer: string;
  /** The token's `aud`. */
  readonly audience: string;
  /** Written as the space-separated `scope` claim. @default - none */
  readonly scopes?: readonly string[];
  /** @default DEFAULT_TOKEN_LIFETIME_SECONDS */
  readonly expiresInSeconds?: number;
  /** More claims (e.g. `email`); `sub`, `iss`, `aud`, `iat`, `exp` are set from the other options. */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** @default - now */
  readonly now?: Date;
}

/** `requestContext.authorizer.jwt`: claims as API Gateway renders them (all strings), and the scopes. */
export interface JwtAuthorizerContext {
  readonly claims: Readonly<Record<string, string>>;
  readonly scopes: readonly string[] | null;
}

export type JwtCheck =
  | { readonly ok: true; readonly jwt: JwtAuthorizerContext }
  /** 401 for a missing or invalid token, 403 for a valid one without a required scope. */
  | { readonly ok: false; readonly status: 401 | 403; readonly reason: string };

/** What a process needs to mint tokens for a running gateway (`npm run local -- --token <subject>`). */
export interface IssuerFile {
  readonly kid: string;
  readonly privateJwk: JWK;
  /** The JWT authorizers of the served APIs: a token for the first is minted unless told otherwise. */
  readonly authorizers: readonly {
    readonly api: string;
    readonly issuer: string;
    readonly audience: readonly string[];
  }[];
}

/**
 * API Gateway hands every claim to the function as a string: numbers and booleans as their text, lists as
 * `[a b]`; objects are rendered as JSON here.
 */
function claimText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(claimText).join(' ')}]`;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

function scopesOf(payload: JWTPayload): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter(Boolean);
  if (Array.isArray(payload.scp)) return payload.scp.filter((s): s is string => typeof s === 'string');
  if (typeof payload.scp === 'string') return payload.scp.split(' ').filter(Boolean);
  return [];
}

export class LocalJwtIssuer {
  private constructor(
    readonly kid: string,
    private readonly privateKey: CryptoKey,
    private readonly publicJwk: JWK,
    private readonly privateJwk: JWK,
  ) {}

  /** A new key pair (about 50 ms). */
  static async create(): Promise<LocalJwtIssuer> {
    const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
    const kid = randomUUID();
    return new LocalJwtIssuer(kid, privateKey, await exportJWK(publicKey), await exportJWK(privateKey));
  }

  /** The issuer a running gateway wrote with `save()`. */
  static async load(file: IssuerFile): Promise<LocalJwtIssuer> {
    const privateKey = (await importJWK(file.privateJwk, ALGORITHM)) as CryptoKey;
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = file.privateJwk;
    return new LocalJwtIssuer(file.kid, privateKey, publicJwk, file.privateJwk);
  }

  /** Writes the private key for other processes to mint tokens; readable by this user only. */
  save(path: string, authorizers: IssuerFile['authorizers']): void {
    const file: IssuerFile = { kid: this.kid, privateJwk: this.privateJwk, authorizers };
    writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  }

  /** A signed token for `subject`. */
  async mint(subject: string, options: MintOptions): Promise<string> {
    const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
    const scopes = options.scopes?.length ? { scope: options.scopes.join(' ') } : {};
    return new SignJWT({ ...options.claims, ...scopes, jti: randomUUID() })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.kid, typ: 'JWT' })
      .setSubject(subject)
      .setIssuer(options.issuer)
      .setAudience(options.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresInSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS))
      .sign(this.privateKey);
  }

  /** Checks the Authorization header of a JWT route, as API Gateway does. */
  async check(
    authorization: string | undefined,
    config: JwtCheckConfig,
    now = new Date(),
  ): Promise<JwtCheck> {
    const token = authorization?.replace(/^Bearer\s+/i, '').trim();
    if (!token) return { ok: false, status: 401, reason: 'no token in the Authorization header' };
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return { ok: false, status: 401, reason: 'the token is not a JWT' };
    }
    if (kid === undefined) return { ok: false, status: 401, reason: 'the token header has no kid' };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(
        token,
        createLocalJWKSet({ keys: [{ ...this.publicJwk, kid: this.kid }] }),
        {
          algorithms: ['RS256', 'RS384', 'RS512'],
          issuer: config.issuer,
          requiredClaims: ['exp'],
          currentDate: now,
        },
      ));
    } catch (err) {
      return { ok: false, status: 401, reason: (err as Error).message };
    }
    const audiences = [payload.aud ?? [], payload.client_id ?? []].flat();
    if (!audiences.some((a) => typeof a === 'string' && config.audience.includes(a))) {
      return {
        ok: false,
        status: 401,
        reason: `neither aud nor client_id is one of ${config.audience.join(', ')}`,
      };
    }
    if (typeof payload.iat === 'number' && payload.iat > now.getTime() / 1000) {
      return { ok: false, status: 401, reason: 'the token was issued in the future (iat)' };
    }
    const scopes = scopesOf(payload);
    if (config.scopes.length > 0 && !scopes.some((s) => config.scopes.includes(s))) {
      return {
        ok: false,
        status: 403,
        reason: `the token has none of the route's scopes ${config.scopes.join(', ')}`,
      };
    }
    const claims = Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, claimText(v)]));
    return { ok: true, jwt: { claims, scopes: scopes.length > 0 ? scopes : null } };
  }
}

/**
 * A token for `subject` from the issuer file of a running gateway (`npm run local -- --keep` writes it),
 * for the first JWT authorizer it serves unless `audience`/`issuer` say otherwise.
 */
export async function mintTokenFromFile(
  path: string,
  subject: string,
  options: Partial<MintOptions> = {},
): Promise<string> {
  let file: IssuerFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as IssuerFile;
  } catch (err) {
    throw new Error(
      `no local JWT issuer at ${path} (${(err as Error).message.split('\n')[0]}): start \`npm run local -- --keep\` with an app that has a JWT route first`,
    );
  }
  const authorizer = file.authorizers[0];
  const issuer = options.issuer ?? authorizer?.issuer;
  const audience = options.audience ?? authorizer?.audience[0];
  if (!issuer || !audience)
    throw new Error(`the issuer file ${path} names no JWT authorizer; pass issuer and audience`);
  return (await LocalJwtIssuer.load(file)).mint(subject, { ...options, issuer, audience });
}

/** Removes an issuer file written by `save()`; a missing one is fine. */
export function removeIssuerFile(path: string): void {
  rmSync(path, { force: true });
}
