import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  ARCHITECTURE_DOCS_PATH,
  ArchitectureError,
  type CfnTemplate,
  describeArchitecture,
  README_PATH,
  readmeWithDiagram,
  renderArchitecture,
  synthesizedTemplates,
} from '../../scripts/generate-architecture';
import { SYNTH_TIMEOUT_MS } from '../lib/support/app';
import { withMessage } from '../support/with-message';

describe('docs/architecture.md', () => {
  let templates: ReturnType<typeof synthesizedTemplates>;
  beforeAll(() => {
    templates = synthesizedTemplates();
  }, SYNTH_TIMEOUT_MS);

  it('matches the synthesized templates', () => {
    // GIVEN the committed diagram WHEN it is generated again from the templates THEN nothing changed
    const generated = renderArchitecture(describeArchitecture(templates.data, templates.pipeline), 'dev');
    withMessage('docs/architecture.md is stale: run `npm run docs:architecture` and commit it', () =>
      expect(readFileSync(ARCHITECTURE_DOCS_PATH, 'utf8')).toBe(generated),
    );
  });

  it('is the diagram the README shows', () => {
    // GIVEN the committed README WHEN its diagram block is generated again THEN nothing changed
    const generated = renderArchitecture(describeArchitecture(templates.data, templates.pipeline), 'dev');
    const readme = readFileSync(README_PATH, 'utf8');
    withMessage('the README diagram is stale: run `npm run docs:architecture` and commit it', () =>
      expect(readme).toBe(readmeWithDiagram(readme, generated)),
    );
  });

  it('fails to place the diagram in a README without its markers', () => {
    expect(() => readmeWithDiagram('# no markers', '```mermaid\nflowchart LR\n```\n')).toThrow(
      ArchitectureError,
    );
  });

  it('draws every rule, queue, DLQ and function of the templates, and every table', () => {
    const a = describeArchitecture(templates.data, templates.pipeline);
    const rules = Object.values(templates.pipeline.Resources ?? {}).filter(
      (r) => r.Type === 'AWS::Events::Rule',
    );
    expect(a.steps.map((s) => s.name)).toEqual([
      'validate-order',
      'reserve-stock',
      'take-payment',
      'fulfil-order',
      'release-stock',
      'analytics',
    ]);
    expect(a.steps).toHaveLength(rules.length);
    expect(a.tables).toEqual(['analytics', 'inventory', 'orders']);
    expect(a.steps.find((s) => s.name === 'reserve-stock')).toMatchObject({
      detailTypes: ['OrderValidated'],
      tables: ['inventory', 'orders'],
      publishes: true,
      maxReceiveCount: 5,
    });
    expect(a.steps.find((s) => s.name === 'analytics')?.publishes).toBe(false);
    const doc = renderArchitecture(a, 'dev');
    for (const s of a.steps) {
      expect(doc).toContain(`subgraph step_${s.name.replace(/-/g, '_')}["${s.name}"]`);
      expect(doc).toContain(`queue_${s.name.replace(/-/g, '_')} -. "after 5 receives" .-> dlq_`);
    }
    expect(doc).toContain('bus_bus -- "OrderPlaced" --> rule_validate_order');
    expect(doc).toContain('fn_take_payment -- "PaymentSucceeded, PaymentFailed" --> bus_bus');
  });

  it('draws the HTTP API: each route, its function, its tables, and what it publishes', () => {
    const a = describeArchitecture(templates.data, templates.pipeline);
    expect(a.apiRoutes).toEqual([
      {
        routeKey: 'GET /orders/{orderId}',
        authorization: 'AWS_IAM',
        function: 'get-order',
        tables: ['orders'],
        publishes: false,
      },
      {
        routeKey: 'POST /orders',
        authorization: 'AWS_IAM',
        function: 'place-order',
        tables: ['orders'],
        publishes: true,
      },
    ]);
    const doc = renderArchitecture(a, 'dev');
    expect(doc).toContain('caller(["caller"]) -- "HTTPS, AWS_IAM" --> api{{"HTTP API"}}');
    expect(doc).toContain('api -- "POST /orders" --> fn_place_order("place-order function")');
    expect(doc).toContain('fn_place_order -- "OrderPlaced" --> bus_bus');
    expect(doc).not.toContain('fn_get_order -- ');
  });
});

describe('describeArchitecture', () => {
  const bus = { Type: 'AWS::Events::EventBus', Properties: {} };
  const rule = (targetArn: unknown, dlq = true) => ({
    Type: 'AWS::Events::Rule',
    Properties: {
      EventBusName: { Ref: 'Bus' },
      EventPattern: { 'detail-type': ['OrderPlaced'] },
      Targets: [
        { Arn: targetArn, ...(dlq ? { DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['Tdlq', 'Arn'] } } } : {}) },
      ],
    },
  });

  it('fails when a rule targets something that is not a queue of the template', () => {
    const pipeline: CfnTemplate = {
      Resources: { Bus: bus, Rule: rule('arn:aws:sqs:eu-west-1:1:elsewhere') },
    };
    expect(() => describeArchitecture({}, pipeline)).toThrow(ArchitectureError);
    expect(() => describeArchitecture({}, pipeline)).toThrow(
      /rule Rule targets "arn:aws:sqs:eu-west-1:1:elsewhere", not a queue/,
    );
  });

  it('fails when a rule target has no dead-letter queue', () => {
    const pipeline: CfnTemplate = {
      Resources: {
        Bus: bus,
        Queue: { Type: 'AWS::SQS::Queue' },
        Rule: rule({ 'Fn::GetAtt': ['Queue', 'Arn'] }, false),
      },
    };
    expect(() => describeArchitecture({}, pipeline)).toThrow(/rule Rule has no target dead-letter queue/);
  });

  it('fails when a queue has no function reading it', () => {
    const pipeline: CfnTemplate = {
      Resources: {
        Bus: bus,
        Tdlq: { Type: 'AWS::SQS::Queue' },
        Dlq: { Type: 'AWS::SQS::Queue' },
        Queue: {
          Type: 'AWS::SQS::Queue',
          Properties: {
            RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] }, maxReceiveCount: 5 },
          },
        },
        Rule: rule({ 'Fn::GetAtt': ['Queue', 'Arn'] }),
      },
    };
    expect(() => describeArchitecture({}, pipeline)).toThrow(/queue Queue has no function reading it/);
  });

  it('fails when the template has no event bus', () => {
    expect(() => describeArchitecture({}, { Resources: {} })).toThrow(/expected one event bus, found 0/);
  });
});
