import { createHash } from 'node:crypto';
import { LOCAL_CREDENTIALS } from './emulator';

/**
 * Local identities. moto accepts any access key and checks no signature, so the key id a request is
 * signed with is the only thing that can tell its principal apart: each role of a deployment gets a key
 * id derived from its ARN, the functions of the local Lambda runner sign with their role's, and the
 * emulator (moto_server.py) maps it back to the ARN when it evaluates a bus policy. Everything else
 * signs with LOCAL_CREDENTIALS and is some other principal.
 */

/** Base32 as AWS access key ids use it (upper case letters and 2-7). */
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Lambda hands a function temporary credentials, whose key ids start with ASIA; 20 characters in all. */
const TEMPORARY_KEY_PREFIX = 'ASIA';
const KEY_ID_LENGTH = 20;

/** The access key id requests of `principalArn` are signed with: stable across runs and machines. */
export function principalAccessKeyId(principalArn: string): string {
  const digest = createHash('sha256').update(principalArn).digest();
  let key = TEMPORARY_KEY_PREFIX;
  for (const byte of digest) {
    if (key.length === KEY_ID_LENGTH) break;
    key += BASE32[byte % BASE32.length];
  }
  return key;
}

/**
 * The credential variables of a process acting as `principalArn` (what Lambda puts in a function's
 * environment); none without a principal, so the shared local credentials stay.
 */
export function principalEnvironment(principalArn: string | undefined): Record<string, string> {
  if (!principalArn) return {};
  return {
    AWS_ACCESS_KEY_ID: principalAccessKeyId(principalArn),
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
}

/** SDK credentials of `principalArn`, for a client that acts as it (a test playing a function). */
export function principalCredentials(principalArn: string): {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
} {
  return {
    accessKeyId: principalAccessKeyId(principalArn),
    secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey,
  };
}
