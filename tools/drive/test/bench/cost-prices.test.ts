import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { withMessage } from '../../../../test/support/with-message';
import { CostInputError } from '../../src/bench/cost-inputs';
import { SERVICES } from '../../src/bench/cost-lines';
import {
  DEFAULT_PRICE_TABLE_FILE,
  DEFAULT_PRICES,
  type PriceTable,
  parsePriceTable,
  priceTableSchema,
} from '../../src/bench/cost-prices';

const P = DEFAULT_PRICES;
const PROJECT_ROOT = join(__dirname, '..', '..', '..', '..');

describe('the price table', () => {
  it('is dated, regional and in USD, with the date in its file name, and parses as it is on disk', () => {
    expect(P.asOf).toBe('2026-11-26');
    expect(DEFAULT_PRICE_TABLE_FILE).toBe(`tools/drive/src/bench/aws-prices-${P.asOf}.json`);
    expect(P.region).toBe('us-east-1');
    expect(P.currency).toBe('USD');
    const onDisk = JSON.parse(readFileSync(join(PROJECT_ROOT, DEFAULT_PRICE_TABLE_FILE), 'utf8'));
    expect(priceTableSchema.parse(onDisk)).toEqual(P);
  });

  it('names an AWS pricing page for every priced service and for the fixed CloudWatch costs', () => {
    for (const service of [...SERVICES, 'CloudWatch']) {
      withMessage(service, () =>
        expect(P.sources[service]).toMatch(/^https:\/\/aws\.amazon\.com\/[a-z-]+\/pricing\//),
      );
    }
  });

  it('carries the on-demand DynamoDB prices after the November 2024 cut', () => {
    expect(P.dynamoDb.onDemandPerMillionWriteRequestUnits).toBe(0.625);
    expect(P.dynamoDb.onDemandPerMillionReadRequestUnits).toBe(0.125);
  });

  it('prices arm64 below x86_64 and states what it includes and excludes', () => {
    expect(P.lambda.perGbSecond.arm64).toBeLessThan(P.lambda.perGbSecond.x86_64);
    expect(P.notes.join(' ')).toMatch(/free tier/);
    expect(P.notes.join(' ')).toMatch(/Excluded:/);
  });
});

describe('parsePriceTable', () => {
  const { sqs: _sqs, ...withoutSqs } = P;
  const { apiGateway, ...withoutHttpApiPrice } = P;

  it.each<[string, unknown, RegExp]>([
    ['a missing section', withoutSqs, /^prices\.sqs must be an object, got undefined$/],
    [
      'a missing price',
      {
        ...withoutHttpApiPrice,
        apiGateway: { httpApiRequestChunkBytes: apiGateway.httpApiRequestChunkBytes },
      },
      /^prices\.apiGateway\.httpApiPerMillionRequests must be a finite price >= 0, got undefined$/,
    ],
    [
      'a negative price',
      { ...P, lambda: { ...P.lambda, perGbSecond: { ...P.lambda.perGbSecond, arm64: -1 } } },
      /^prices\.lambda\.perGbSecond\.arm64 must be a finite price >= 0, got -1$/,
    ],
    [
      'a price given as text',
      { ...P, xRay: { perMillionTracesRecorded: '5.0' } },
      /^prices\.xRay\.perMillionTracesRecorded must be a finite price >= 0, got "5\.0"$/,
    ],
    [
      'a price the model does not know',
      { ...P, sqs: { ...P.sqs, fifoPerMillionRequests: 0.5 } },
      /^prices\.sqs has unknown field\(s\) fifoPerMillionRequests: a typo, or a price not modelled$/,
    ],
    [
      'an undated table',
      { ...P, asOf: '26.11.2026' },
      /^prices\.asOf must be a date, YYYY-MM-DD, got "26\.11\.2026"$/,
    ],
    [
      'a source that is not an https page',
      { ...P, sources: { ...P.sources, SQS: 'http://aws.amazon.com/sqs/pricing/' } },
      /^prices\.sources\.SQS must be an https URL/,
    ],
  ])('fails for %s, naming the field', (_case, table, message) => {
    expect(() => parsePriceTable(table)).toThrow(CostInputError);
    expect(() => parsePriceTable(table)).toThrow(message);
  });

  it('fails naming every bad field at once, not just the first', () => {
    const broken = { ...P, currency: 'usd', sqs: { ...P.sqs, standardPerMillionRequests: -0.4 } };

    expect(() => parsePriceTable(broken)).toThrow(
      'prices.currency must be an ISO 4217 code, e.g. USD, got "usd"; ' +
        'prices.sqs.standardPerMillionRequests must be a finite price >= 0, got -0.4',
    );
  });

  it('GIVEN a valid table with other prices WHEN parsed THEN it is returned as given', () => {
    const doubled: PriceTable = { ...P, sqs: { ...P.sqs, standardPerMillionRequests: 0.8 } };
    expect(parsePriceTable(doubled)).toEqual(doubled);
  });
});
