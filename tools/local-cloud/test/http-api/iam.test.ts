import { describe, expect, it } from '@jest/globals';
import { authorizedHeaders } from '../../src/http-api/client';
import { checkIamRequest, iamIdentity, parseSigV4Authorization } from '../../src/http-api/iam';
import { principalAccessKeyId } from '../../src/principals';

const NOW = new Date('2024-06-17T15:39:41Z');
const SIGNATURE = 'a'.repeat(64);
const HEADER = `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240617/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIGNATURE}`;

describe('parseSigV4Authorization', () => {
  it('reads the credential scope, signed headers and signature', () => {
    expect(parseSigV4Authorization(HEADER)).toEqual({
      accessKeyId: 'AKIDEXAMPLE',
      date: '20240617',
      region: 'us-east-1',
      service: 'execute-api',
      signedHeaders: ['host', 'x-amz-date'],
      signature: SIGNATURE,
    });
  });

  it.each([
    ['Bearer abc', /AWS4-HMAC-SHA256/],
    [HEADER.replace(', Signature=', ', Sig='), /lacks/],
    [HEADER.replace('/aws4_request', ''), /Credential/],
    [HEADER.replace('20240617', '2024-06-17'), /YYYYMMDD/],
    [HEADER.replace(SIGNATURE, 'xyz'), /hexadecimal/],
    [HEADER.replace('host;', ''), /host/],
  ])('fails for a malformed header: %s', (header, reason) => {
    const parsed = parseSigV4Authorization(header);
    expect('error' in parsed && parsed.error).toMatch(reason);
  });
});

describe('checkIamRequest', () => {
  const headers = { authorization: HEADER, 'x-amz-date': '20240617T153000Z' };

  it('accepts a well-formed signature for execute-api in the region, inside 15 minutes', () => {
    expect(checkIamRequest(headers, { region: 'us-east-1', now: NOW })).toMatchObject({
      accessKeyId: 'AKIDEXAMPLE',
    });
  });

  it.each([
    [{}, /no Authorization/],
    [{ ...headers, authorization: HEADER.replace('execute-api', 'events') }, /service events/],
    [{ ...headers, authorization: HEADER.replace('us-east-1', 'eu-west-1') }, /region eu-west-1/],
    [{ authorization: HEADER }, /x-amz-date/],
    [{ ...headers, 'x-amz-date': '20240617T150000Z' }, /15 minutes/],
    [{ ...headers, 'x-amz-date': '20240618T153000Z' }, /credential date/],
  ])('fails (403) for %j', (h, reason) => {
    const checked = checkIamRequest(h, { region: 'us-east-1', now: NOW });
    expect('error' in checked && checked.error).toMatch(reason);
  });

  it('accepts what the SDK signer writes', async () => {
    // GIVEN headers signed by @smithy/signature-v4, as the integration tests and drivers send them
    const signed = await authorizedHeaders({
      method: 'GET',
      url: 'http://127.0.0.1:3000/orders/1?x=1',
      iam: { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, region: 'us-east-1' },
    });
    // THEN the check accepts them
    const lower = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toLowerCase(), v]));
    expect(checkIamRequest(lower, { region: 'us-east-1', now: new Date() })).toMatchObject({
      accessKeyId: 'local',
    });
  });
});

describe('iamIdentity', () => {
  const roleArn = 'arn:aws:iam::123456789012:role/service/Stack-FnRole-ABC';
  const principals = { [principalAccessKeyId(roleArn)]: roleArn };

  it("names a deployment role's session for its key", () => {
    const identity = iamIdentity(principalAccessKeyId(roleArn), principals, '123456789012');
    expect(identity).toMatchObject({
      userArn: 'arn:aws:sts::123456789012:assumed-role/Stack-FnRole-ABC/local',
      accountId: '123456789012',
      callerId: expect.stringMatching(/^AROA[A-Z2-7]{17}:local$/),
    });
    expect(identity.userId).toBe(identity.callerId);
  });

  it('names an IAM user after any other key, stable and distinct per key', () => {
    const a = iamIdentity('local', principals, '123456789012');
    expect(a).toMatchObject({
      userArn: 'arn:aws:iam::123456789012:user/local',
      callerId: expect.stringMatching(/^AIDA/),
    });
    expect(iamIdentity('local', principals, '123456789012')).toEqual(a);
    expect(iamIdentity('other', principals, '123456789012').callerId).not.toBe(a.callerId);
  });
});
