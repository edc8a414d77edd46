import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import {
  type AnyContract,
  EVENT_CONTRACTS,
  type EventContract,
  idempotencyKeyFor,
  MAX_EVENT_BYTES,
  metadata,
} from '../lambda/contracts';
import { allExamples } from './event-examples';

/**
 * Generates docs/events.md, the event catalogue, from lambda/contracts. Run `npm run docs:events`
 * after changing a contract; a test fails while the committed file differs from the output.
 * The output depends on nothing but the contracts and the examples (no dates, no paths), so
 * regenerating an unchanged catalogue changes no byte.
 */

export const EVENT_DOCS_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'events.md');

export type JsonSchema = z.core.JSONSchema.JSONSchema;

/**
 * The JSON Schema of what a consumer ACCEPTS (`io: 'input'`). The output view marks every object
 * `additionalProperties: false`, which would tell readers that unknown fields are rejected; zod's
 * default objects strip them instead, and forward compatibility rests on exactly that.
 * `unrepresentable: 'throw'` (zod's default) makes a schema the catalogue cannot describe fail loudly.
 */
export function jsonSchemaOf(schema: z.core.$ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' });
  return rest;
}

export interface FieldRow {
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly constraints: readonly string[];
  readonly description?: string;
}

function asSchema(value: JsonSchema | boolean | undefined): JsonSchema | undefined {
  return typeof value === 'object' ? value : undefined;
}

function itemsOf(schema: JsonSchema): JsonSchema | undefined {
  return Array.isArray(schema.items) ? undefined : asSchema(schema.items);
}

export function typeLabel(schema: JsonSchema): string {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return variants.map(typeLabel).join(' or ');
  if (schema.const !== undefined) return typeof schema.const;
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const label = types
    .map((type) => {
      if (type === 'array') {
        const items = itemsOf(schema);
        return items ? `array of ${typeLabel(items)}` : 'array';
      }
      return type;
    })
    .join(' or ');
  if (!label) return 'any';
  return schema.format ? `${label} (${schema.format})` : label;
}

/** zod emits the safe-integer bounds for every `.int()`; a named bound reads better than 16 digits. */
function formatBound(value: number | boolean): string {
  if (value === Number.MAX_SAFE_INTEGER) return '2^53 − 1';
  if (value === Number.MIN_SAFE_INTEGER) return '−(2^53 − 1)';
  return String(value);
}

function lengthRange(label: string, min: number | undefined, max: number | undefined): string | undefined {
  if (min !== undefined && max !== undefined)
    return min === max ? `${label} ${min}` : `${label} ${min}–${max}`;
  if (min !== undefined) return `${label} ≥ ${min}`;
  if (max !== undefined) return `${label} ≤ ${max}`;
  return undefined;
}

function valueRange(schema: JsonSchema): string | undefined {
  // Draft 2020-12 bounds are numbers; a boolean exclusive bound is draft-04 and is not emitted for this target.
  const lower =
    schema.minimum !== undefined
      ? `${formatBound(schema.minimum)} ≤ `
      : typeof schema.exclusiveMinimum === 'number'
        ? `${formatBound(schema.exclusiveMinimum)} < `
        : '';
  const upper =
    schema.maximum !== undefined
      ? ` ≤ ${formatBound(schema.maximum)}`
      : typeof schema.exclusiveMaximum === 'number'
        ? ` < ${formatBound(schema.exclusiveMaximum)}`
        : '';
  return lower || upper ? `${lower}value${upper}` : undefined;
}

const code = (value: unknown): string => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

export function constraintsOf(schema: JsonSchema): string[] {
  const constraints: (string | undefined)[] = [
    schema.enum ? `one of ${schema.enum.map(code).join(', ')}` : undefined,
    schema.const !== undefined ? `exactly ${code(schema.const)}` : undefined,
    lengthRange('length', schema.minLength, schema.maxLength),
    // A format's pattern is zod's implementation of the format (the date-time one is 400 characters);
    // the format name in the type column says the same thing readably.
    schema.pattern !== undefined && schema.format === undefined
      ? `pattern ${code(schema.pattern)}`
      : undefined,
    valueRange(schema),
    schema.multipleOf !== undefined ? `multiple of ${schema.multipleOf}` : undefined,
    lengthRange('items', schema.minItems, schema.maxItems),
    schema.uniqueItems ? 'unique items' : undefined,
    schema.default !== undefined ? `default ${code(schema.default)}` : undefined,
  ];
  return constraints.filter((c): c is string => c !== undefined);
}

/**
 * One row per field, depth first: an object's properties follow it, an array's items follow it
 * under `path[]`. `required` is relative to the parent (an item field is required in each item).
 */
export function fieldRows(schema: JsonSchema, path: string, required = true): FieldRow[] {
  const row: FieldRow = {
    path,
    type: typeLabel(schema),
    required,
    constraints: constraintsOf(schema),
    ...(schema.description === undefined ? {} : { description: schema.description }),
  };
  return [row, ...childRows(schema, path)];
}

function childRows(schema: JsonSchema, path: string): FieldRow[] {
  const rows: FieldRow[] = [];
  const requiredNames = new Set(schema.required ?? []);
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const childSchema = asSchema(child);
    if (childSchema) rows.push(...fieldRows(childSchema, `${path}.${name}`, requiredNames.has(name)));
  }
  // Object items add their fields; any other item (a string with a length limit, a nested array)
  // gets a row of its own, or its constraints would be lost.
  const items = itemsOf(schema);
  if (items) rows.push(...(items.properties ? childRows(items, `${path}[]`) : fieldRows(items, `${path}[]`)));
  return rows;
}

/** Table cells cannot hold a raw pipe or a line break, even inside a code span (GFM). */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll(/\r?\n/g, ' ');
}

export function renderFieldTable(rows: readonly FieldRow[]): string {
  const withNotes = rows.some((row) => row.description !== undefined);
  const header = ['field', 'type', 'required', 'constraints', ...(withNotes ? ['notes'] : [])];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) {
    const cells = [
      code(row.path),
      row.type,
      row.required ? 'yes' : 'no',
      row.constraints.length > 0 ? row.constraints.join('; ') : '-',
      ...(withNotes ? [row.description ?? ''] : []),
    ];
    lines.push(`| ${cells.map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

export class InvalidExampleError extends Error {
  override readonly name = 'InvalidExampleError';
}

/**
 * Refuses an example the docs must not show: one its schema rejects, one with fields the schema
 * would silently strip (a typo in an optional field would otherwise pass), one that breaks the
 * metadata conventions, or one over the house size limit.
 */
export function assertValidExample(contract: EventContract, detail: unknown): void {
  const where = `example of ${contract.detailType} (scripts/event-examples.ts)`;
  const result = contract.detail.safeParse(detail);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new InvalidExampleError(`${where} does not match its schema:\n${issues.join('\n')}`);
  }
  if (!isDeepStrictEqual(result.data, detail)) {
    throw new InvalidExampleError(`${where} has fields its schema does not declare (parsing strips them)`);
  }
  const { metadata: meta, data } = result.data;
  const orderId = (data as { orderId?: unknown }).orderId;
  if (orderId !== undefined && meta.correlationId !== orderId) {
    throw new InvalidExampleError(`${where}: metadata.correlationId must be the order id ${orderId}`);
  }
  if (meta.idempotencyKey !== idempotencyKeyFor(meta.correlationId, contract.detailType)) {
    throw new InvalidExampleError(
      `${where}: metadata.idempotencyKey must be idempotencyKeyFor(correlationId, detailType)`,
    );
  }
  if (meta.schemaVersion !== contract.schemaVersion) {
    throw new InvalidExampleError(`${where}: metadata.schemaVersion must be ${contract.schemaVersion}`);
  }
  if (Buffer.byteLength(JSON.stringify(detail)) > MAX_EVENT_BYTES) {
    throw new InvalidExampleError(`${where} is larger than MAX_EVENT_BYTES`);
  }
}

const json = (value: unknown): string => ['```json', JSON.stringify(value, null, 2), '```'].join('\n');

/** GitHub's anchor of a `## OrderPlaced` heading: lower case, nothing else to strip from a detail type. */
const anchor = (detailType: string): string => detailType.toLowerCase();

function renderEvent(
  contract: AnyContract,
  detail: unknown,
  position: number,
  follows: string | undefined,
): string {
  const facts: [string, string][] = [
    ['detail type', code(contract.detailType)],
    ['source', code(contract.source)],
    ['schema version', code(contract.schemaVersion)],
    ['producer', contract.producer],
    ['position in the flow', `${position} of ${EVENT_CONTRACTS.length}`],
    ['answers (`causationId`)', follows ? `[${follows}](#${anchor(follows)})` : '- (entry event)'],
    ['idempotency key', code(idempotencyKeyFor('<orderId>', contract.detailType))],
  ];
  return [
    `## ${contract.detailType}`,
    '',
    contract.description,
    '',
    '| | |',
    '|---|---|',
    ...facts.map(([name, value]) => `| ${name} | ${cell(value)} |`),
    '',
    `### Fields of \`data\``,
    '',
    `Every detail also carries [\`metadata\`](#metadata-every-event).`,
    '',
    renderFieldTable(fieldRows(jsonSchemaOf(contract.data), 'data').slice(1)),
    '',
    '<details>',
    `<summary>JSON Schema of the whole ${contract.detailType} detail</summary>`,
    '',
    json(jsonSchemaOf(contract.detail)),
    '',
    '</details>',
    '',
    '### Example detail',
    '',
    json(detail),
  ].join('\n');
}

/** The whole catalogue as markdown, ending in a newline. Pure: writes nothing. */
export function renderEventDocs(): string {
  const examples = allExamples();
  for (const { contract, detail } of examples) assertValidExample(contract, detail);

  const overview = [
    '| # | detail type | producer | source | schema version | answers | description |',
    '|---|---|---|---|---|---|---|',
    ...examples.map(({ contract, causedBy }, index) => {
      const cells = [
        String(index + 1),
        `[${contract.detailType}](#${anchor(contract.detailType)})`,
        contract.producer,
        code(contract.source),
        contract.schemaVersion,
        causedBy ?? '-',
        contract.description,
      ];
      return `| ${cells.map(cell).join(' | ')} |`;
    }),
  ];

  const sections = [
    '<!-- Generated by scripts/generate-event-docs.ts from lambda/contracts. Do not edit: run `npm run docs:events`. -->',
    '',
    '# Event catalogue',
    '',
    'Every event the pipeline puts on its EventBridge bus. The schemas live in `lambda/contracts/` (zod);',
    'this page is generated from them, so it cannot drift from the code.',
    '',
    "Each event's `source` names its producer, and only that producer may put it: consumers' rules match",
    'exact (source, detail type) pairs, each function may put only its own, and the bus policy refuses the',
    "pipeline's sources to everyone else (docs/security.md).",
    '',
    'A detail is always `{ metadata, data }`. Consumers parse it with the same schemas. Fields a consumer',
    'does not know are ignored (stripped while parsing), so a producer may add an optional field without',
    'breaking older consumers; removing a field or making one required breaks them (reliability scenario 20,',
    'tested in `test/lambda/contracts/`).',
    '',
    `An event detail stays under ${MAX_EVENT_BYTES / 1024} KB (\`MAX_EVENT_BYTES\`): the outbox stores it on the`,
    'order item, and a DynamoDB item is limited to 400 KB.',
    '',
    '## Overview',
    '',
    'In flow order (`EVENT_CONTRACTS`). "answers" is the event an event follows: its id is the',
    '`causationId`. Consumers are not part of the contracts: the rules in `lib/` route on these detail',
    'types, and `docs/design.md` lists which function consumes which event.',
    '',
    ...overview,
    '',
    '## Metadata (every event)',
    '',
    'Routing, tracing and deduplication read these fields, whatever the event.',
    '',
    renderFieldTable(fieldRows(jsonSchemaOf(metadata), 'metadata').slice(1)),
    '',
    ...examples.flatMap(({ contract, detail, causedBy }, index) => [
      renderEvent(contract, detail, index + 1, causedBy),
      '',
    ]),
  ];
  return sections.join('\n');
}

function main(): void {
  writeFileSync(EVENT_DOCS_PATH, renderEventDocs());
  console.log(`wrote ${EVENT_DOCS_PATH}`);
}

// Run only as a script (`npm run docs:events`), not when a test imports the renderer.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main();
}
