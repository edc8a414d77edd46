import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadStageConfig } from '../../lib/config';

const THROTTLE = { rateLimit: 50, burstLimit: 100 };

describe('stage settings of the API', () => {
  it('defaults to IAM authorization', () => {
    expect(loadStageConfig('dev').api).toEqual({ authorization: { type: 'iam' }, throttle: THROTTLE });
  });

  it('accepts a JWT issuer with audiences', () => {
    const authorization = { type: 'jwt' as const, issuer: 'https://issuer.example.com', audience: ['web'] };
    expect(loadStageConfig('dev', { api: { authorization, throttle: THROTTLE } }).api.authorization).toEqual(
      authorization,
    );
  });

  it.each([
    [
      'a plain-http issuer',
      { type: 'jwt', issuer: 'http://issuer.example.com', audience: ['web'] },
      /api\.authorization\.issuer: an https:\/\/ URL/,
    ],
    [
      'an issuer with a trailing slash',
      { type: 'jwt', issuer: 'https://issuer.example.com/', audience: ['web'] },
      /api\.authorization\.issuer: the issuer exactly as tokens carry it/,
    ],
    [
      'no audience',
      { type: 'jwt', issuer: 'https://issuer.example.com', audience: [] },
      /api\.authorization\.audience: name at least one audience/,
    ],
    ['an unknown type', { type: 'lambda' }, /api\.authorization\.type: type must be "iam" or "jwt"/],
  ])('fails synth with an actionable message for %s', (_case, authorization, message) => {
    expect(() => loadStageConfig('dev', { api: { authorization, throttle: THROTTLE } as never })).toThrow(
      message,
    );
    expect(() => loadStageConfig('dev', { api: { authorization, throttle: THROTTLE } as never })).toThrow(
      ConfigError,
    );
  });

  it.each([
    [
      'a burst below the rate',
      { rateLimit: 100, burstLimit: 10 },
      /api\.throttle\.burstLimit: burstLimit below rateLimit/,
    ],
    ['a rate above the account quota', { rateLimit: 20_000, burstLimit: 5_000 }, /api\.throttle\.rateLimit/],
    ['a burst above the account quota', { rateLimit: 10, burstLimit: 6_000 }, /api\.throttle\.burstLimit/],
    ['no rate', { rateLimit: 0, burstLimit: 10 }, /api\.throttle\.rateLimit/],
  ])('fails synth for %s', (_case, throttle, message) => {
    expect(() => loadStageConfig('dev', { api: { throttle } })).toThrow(message);
  });
});
