import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { OrderPlaced, PaymentFailed } from '../../lambda/contracts';
import { exampleDetail } from '../../scripts/event-examples';
import {
  assertValidExample,
  EVENT_DOCS_PATH,
  fieldRows,
  InvalidExampleError,
  jsonSchemaOf,
  renderEventDocs,
  renderFieldTable,
} from '../../scripts/generate-event-docs';
import { withMessage } from '../support/with-message';

describe('docs/events.md', () => {
  it('matches the contracts', () => {
    // GIVEN the committed catalogue
    const committed = readFileSync(EVENT_DOCS_PATH, 'utf8');

    // WHEN it is generated again from lambda/contracts
    const generated = renderEventDocs();

    // THEN nothing changed
    withMessage('docs/events.md is stale: run `npm run docs:events` and commit the result', () =>
      expect(committed).toBe(generated),
    );
  });

  it('documents every event with its example', () => {
    const docs = renderEventDocs();
    for (const contract of [OrderPlaced, PaymentFailed]) {
      expect(docs).toContain(`## ${contract.detailType}\n`);
      expect(docs).toContain(JSON.stringify(exampleDetail(contract), null, 2));
    }
  });
});

describe('assertValidExample', () => {
  const valid = exampleDetail(PaymentFailed);

  it('accepts the example of the catalogue', () => {
    expect(() => assertValidExample(PaymentFailed, valid)).not.toThrow();
  });

  it.each([
    [
      'its schema refuses',
      { ...valid, data: { ...(valid.data as object), currency: 'euro' } },
      /data\.currency/,
    ],
    [
      'carries a field its schema would strip',
      { ...valid, data: { ...(valid.data as object), reasn: 'typo' } },
      /does not declare/,
    ],
    [
      'correlates to another order',
      { ...valid, metadata: { ...valid.metadata, correlationId: 'ord-9999' } },
      /correlationId/,
    ],
    [
      'carries a hand-made idempotency key',
      { ...valid, metadata: { ...valid.metadata, idempotencyKey: 'ord-1004' } },
      /idempotencyKey/,
    ],
    [
      'states another schema version',
      { ...valid, metadata: { ...valid.metadata, schemaVersion: '2' } },
      /schemaVersion must be 1/,
    ],
  ])('fails for an example that %s', (_case, detail, message) => {
    // GIVEN a broken example WHEN the generator checks it THEN it refuses to document it
    expect(() => assertValidExample(PaymentFailed, detail)).toThrow(InvalidExampleError);
    expect(() => assertValidExample(PaymentFailed, detail)).toThrow(message);
  });
});

describe('field table', () => {
  const schema = z.object({
    code: z.string().regex(/^(A|B)$/),
    status: z.enum(['OPEN', 'DONE']),
    note: z.string().max(20).optional(),
    count: z.number().int().positive(),
    items: z.array(z.object({ sku: z.string().min(1), qty: z.number().int().min(1).max(9) })).min(1),
    tags: z.array(z.string().max(8)).max(3),
  });

  it('lists array items under `[]`: the fields of object items, and scalar items with their constraints', () => {
    // GIVEN an object with an optional field and an array of objects
    // WHEN its rows are derived from the JSON Schema
    const rows = fieldRows(jsonSchemaOf(schema), 'data').slice(1);

    // THEN every field appears once, in declaration order, with its constraints
    expect(rows.map((r) => [r.path, r.type, r.required, r.constraints.join('; ')])).toEqual([
      ['data.code', 'string', true, 'pattern `^(A|B)$`'],
      ['data.status', 'string', true, 'one of `OPEN`, `DONE`'],
      ['data.note', 'string', false, 'length ≤ 20'],
      ['data.count', 'integer', true, '0 < value ≤ 2^53 − 1'],
      ['data.items', 'array of object', true, 'items ≥ 1'],
      ['data.items[].sku', 'string', true, 'length ≥ 1'],
      ['data.items[].qty', 'integer', true, '1 ≤ value ≤ 9'],
      ['data.tags', 'array of string', true, 'items ≤ 3'],
      ['data.tags[]', 'string', true, 'length ≤ 8'],
    ]);
  });

  it('escapes a pipe in a pattern so the markdown table keeps its columns', () => {
    const table = renderFieldTable(fieldRows(jsonSchemaOf(schema), 'data').slice(1));
    expect(table).toContain('| `data.code` | string | yes | pattern `^(A\\|B)$` |');
  });

  it('documents what a consumer accepts: no `additionalProperties: false`', () => {
    // zod strips unknown fields on parse; the output view of the schema would claim they are refused.
    expect(JSON.stringify(jsonSchemaOf(OrderPlaced.detail))).not.toContain('additionalProperties');
  });

  it('fails for a schema JSON Schema cannot express, rather than documenting it wrongly', () => {
    expect(() => jsonSchemaOf(z.object({ at: z.date() }))).toThrow();
  });
});
