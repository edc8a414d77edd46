import { createHash } from 'node:crypto';

/**
 * IAM authorization of HTTP API routes, locally: a request must carry a well-formed Signature Version 4
 * `Authorization` header scoped to `execute-api` in the API's region, with its `x-amz-date` inside
 * SigV4's 15 minutes. The signature itself is not verified (the local credentials are dummies and no IAM
 * policy is evaluated); docs/parity.md says so. The caller's identity comes from the access key id: the
 * deployment's roles sign with keys derived from their ARNs (principals.ts), anything else is an
 * IAM user named after its key.
 */

export interface SigV4Authorization {
  readonly accessKeyId: string;
  /** `YYYYMMDD` of the credential scope. */
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** SigV4 refuses a request signed more than 15 minutes before or after its arrival. */
export const SIGV4_MAX_SKEW_MS = 15 * 60_000;

/** Parses `AWS4-HMAC-SHA256 Credential=AKID/20240617/eu-west-1/execute-api/aws4_request, SignedHeaders=…, Signature=…`. */
export function parseSigV4Authorization(header: string): SigV4Authorization | { readonly error: string } {
  const match = /^AWS4-HMAC-SHA256\s+(.+)$/.exec(header.trim());
  if (!match?.[1]) return { error: 'not an AWS4-HMAC-SHA256 Authorization header' };
  const fields: Record<string, string> = {};
  for (const part of match[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const { Credential: credential, SignedHeaders: signedHeaders, Signature: signature } = fields;
  if (!credential || !signedHeaders || !signature) {
    return { error: 'the Authorization header lacks Credential, SignedHeaders or Signature' };
  }
  const scope = credential.split('/');
  const [accessKeyId, date, region, service, terminator] = scope;
  if (scope.length !== 5 || !accessKeyId || !date || !region || !service || terminator !== 'aws4_request') {
    return { error: `Credential ${credential} is not <key>/<date>/<region>/<service>/aws4_request` };
  }
  if (!/^\d{8}$/.test(date)) return { error: `the credential date ${date} is not YYYYMMDD` };
  if (!/^[0-9a-f]{64}$/.test(signature)) return { error: 'Signature is not 64 hexadecimal digits' };
  const headers = signedHeaders.split(';');
  if (!headers.includes('host')) return { error: 'SignedHeaders does not include host' };
  return { accessKeyId, date, region, service, signedHeaders: headers, signature };
}

/** `20240617T153941Z` -> epoch ms, or undefined when malformed. */
function amzDate(value: string | undefined): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/**
 * Checks an IAM route's request headers (lower-case names): resolves the parsed authorization, or the
 * reason API Gateway would answer 403.
 */
export function checkIamRequest(
  headers: Readonly<Record<string, string | undefined>>,
  expected: { readonly region: string; readonly now: Date },
): SigV4Authorization | { readonly error: string } {
  const header = headers.authorization;
  if (!header) return { error: 'no Authorization header' };
  const auth = parseSigV4Authorization(header);
  if ('error' in auth) return auth;
  if (auth.service !== 'execute-api') return { error: `signed for service ${auth.service}, not execute-api` };
  if (auth.region !== expected.region)
    return { error: `signed for region ${auth.region}, not ${expected.region}` };
  const signedAt = amzDate(headers['x-amz-date']);
  if (signedAt === undefined) return { error: 'no x-amz-date header of the form YYYYMMDDTHHMMSSZ' };
  if (!auth.signedHeaders.includes('x-amz-date'))
    return { error: 'SignedHeaders does not include x-amz-date' };
  if (headers['x-amz-date']?.slice(0, 8) !== auth.date)
    return { error: 'x-amz-date is not the credential date' };
  if (Math.abs(expected.now.getTime() - signedAt) > SIGV4_MAX_SKEW_MS) {
    return { error: 'the signature is more than 15 minutes off the time of arrival' };
  }
  return auth;
}

/** The `requestContext.authorizer.iam` object API Gateway adds for an IAM-authorized request. */
export interface IamIdentity {
  readonly accessKey: string;
  readonly accountId: string;
  readonly callerId: string;
  readonly cognitoIdentity: null;
  readonly principalOrgId: null;
  readonly userArn: string;
  readonly userId: string;
}

/** IAM unique ids: a type prefix and 17 upper-case letters and digits, derived from `seed`. */
function uniqueId(prefix: string, seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return prefix + [...digest.subarray(0, 17)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** Session name of the roles' local sessions: the local Lambda runner and the tests play them. */
export const LOCAL_ROLE_SESSION = 'local';

/**
 * The identity behind an access key id. `principals` maps the key ids of the deployment's roles and
 * users to their ARNs (`deployment.busPolicies.policies.principals`).
 */
export function iamIdentity(
  accessKeyId: string,
  principals: Readonly<Record<string, string>>,
  accountId: string,
): IamIdentity {
  const arn = principals[accessKeyId];
  const role = arn ? /^arn:aws:iam::(\d+):role\/(?:.*\/)?([^/]+)$/.exec(arn) : undefined;
  if (role?.[1] && role[2]) {
    const roleId = uniqueId('AROA', arn as string);
    const callerId = `${roleId}:${LOCAL_ROLE_SESSION}`;
    return {
      accessKey: accessKeyId,
      accountId: role[1],
      callerId,
      cognitoIdentity: null,
      principalOrgId: null,
      userArn: `arn:aws:sts::${role[1]}:assumed-role/${role[2]}/${LOCAL_ROLE_SESSION}`,
      userId: callerId,
    };
  }
  const userArn = arn ?? `arn:aws:iam::${accountId}:user/${accessKeyId}`;
  const userId = uniqueId('AIDA', userArn);
  return {
    accessKey: accessKeyId,
    accountId: /^arn:aws:iam::(\d+):/.exec(userArn)?.[1] ?? accountId,
    callerId: userId,
    cognitoIdentity: null,
    principalOrgId: null,
    userArn,
    userId,
  };
}
