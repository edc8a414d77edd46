import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPair, SignJWT } from 'jose';
import { LocalJwtIssuer, mintTokenFromFile } from '../../src/http-api/jwt';

const ISSUER = 'https://issuer.example.com/pool';
const CONFIG = { issuer: ISSUER, audience: ['orders-api'], scopes: [] as string[] };
const NOW = new Date('2024-06-17T15:00:00Z');
const SECONDS = NOW.getTime() / 1000;

let issuer: LocalJwtIssuer;
let dir: string;

beforeAll(async () => {
  issuer = await LocalJwtIssuer.create();
  dir = mkdtempSync(join(tmpdir(), 'jwt-issuer-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mint = (options: Partial<Parameters<LocalJwtIssuer['mint']>[1]> = {}) =>
  issuer.mint('alice', { issuer: ISSUER, audience: 'orders-api', now: NOW, ...options });

describe('LocalJwtIssuer.check', () => {
  it('accepts its token and renders the claims as API Gateway does (strings)', async () => {
    // GIVEN a token with scopes and claims of several types
    const token = await mint({
      scopes: ['orders/read', 'orders/write'],
      claims: { groups: ['a', 'b'], admin: false },
    });
    // WHEN it is checked, with the Bearer prefix
    const checked = await issuer.check(`Bearer ${token}`, CONFIG, NOW);
    // THEN its claims are strings and its scopes a list
    expect(checked).toMatchObject({
      ok: true,
      jwt: {
        claims: {
          sub: 'alice',
          iss: ISSUER,
          aud: 'orders-api',
          exp: String(SECONDS + 3600),
          groups: '[a b]',
          admin: 'false',
          scope: 'orders/read orders/write',
        },
        scopes: ['orders/read', 'orders/write'],
      },
    });
  });

  it('accepts a token without the Bearer prefix and an audience in client_id; no scopes are null', async () => {
    const token = await issuer.mint('bob', {
      issuer: ISSUER,
      audience: 'someone-else',
      now: NOW,
      claims: { client_id: 'orders-api' },
    });
    expect(await issuer.check(token, CONFIG, NOW)).toMatchObject({ ok: true, jwt: { scopes: null } });
  });

  it.each([
    ['no token', async () => undefined, /no token/],
    ['not a JWT', async () => 'Bearer abc', /not a JWT/],
    ['expired', async () => mint({ now: new Date(NOW.getTime() - 7200_000) }), /exp/],
    ['another issuer', async () => mint({ issuer: 'https://evil.example.com' }), /iss/],
    ['another audience', async () => mint({ audience: 'other-api' }), /aud nor client_id/],
    ['issued in the future', async () => mint({ now: new Date(NOW.getTime() + 600_000) }), /iat/],
    [
      'signed by another key',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT({ sub: 'mallory' })
          .setProtectedHeader({ alg: 'RS256', kid: issuer.kid })
          .setIssuer(ISSUER)
          .setAudience('orders-api')
          .setExpirationTime(SECONDS + 60)
          .sign(privateKey);
      },
      /signature/,
    ],
    [
      'without kid',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
      },
      /kid/,
    ],
  ])('fails with 401 for a token %s', async (_what, token, reason) => {
    const checked = await issuer.check(await token(), CONFIG, NOW);
    expect(checked).toMatchObject({ ok: false, status: 401 });
    expect(!checked.ok && checked.reason).toMatch(reason);
  });

  it('fails with 401 for a token not yet valid (nbf)', async () => {
    const token = await mint({ claims: { nbf: SECONDS + 600 } });
    expect(await issuer.check(token, CONFIG, NOW)).toMatchObject({ ok: false, status: 401 });
  });

  it("fails with 403 for a valid token without one of the route's scopes", async () => {
    const token = await mint({ scopes: ['orders/read'] });
    const checked = await issuer.check(token, { ...CONFIG, scopes: ['orders/write'] }, NOW);
    expect(checked).toMatchObject({ ok: false, status: 403 });
  });
});

describe('the issuer file', () => {
  it('lets another process mint tokens the running issuer accepts; only its owner can read it', async () => {
    // GIVEN the issuer saved with its authorizer
    const path = join(dir, 'issuer.json');
    issuer.save(path, [{ api: 'orders', issuer: ISSUER, audience: ['orders-api'] }]);
    // WHEN a token is minted from the file
    const token = await mintTokenFromFile(path, 'carol');
    // THEN the issuer accepts it for that authorizer
    expect(await issuer.check(token, CONFIG)).toMatchObject({ ok: true, jwt: { claims: { sub: 'carol' } } });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('fails saying how to get one when there is no file', async () => {
    await expect(mintTokenFromFile(join(dir, 'missing.json'), 'x')).rejects.toThrow(
      /npm run local -- --keep/,
    );
  });
});
