import { describe, expect, it } from '@jest/globals';
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { loadStageConfig } from '../../lib/config';
import { acknowledgeNagFindings, NAG_ACKNOWLEDGEMENTS } from '../../lib/nag-suppressions';
import { bareStacks, testApp } from './support/app';

interface Finding {
  readonly rule: string;
  readonly path: string;
}

/** What AwsSolutions and Serverless report for `app`, errors and warnings alike. */
function nagFindings(app: App): Finding[] {
  return [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
    pack
      .validateScope(app)
      .violations.flatMap((v) =>
        v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' })),
      ),
  );
}

/** Every acknowledgement recorded in the construct tree, with the path it was recorded on. */
function acknowledgements(app: App): Finding[] {
  return app.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.keys(m.data as Record<string, string>))
      .map((key) => ({ rule: key.replace(/^annotation::/i, ''), path: c.node.path })),
  );
}

describe.each(['dev', 'prod'] as const)('cdk-nag acknowledgements (%s)', (stage) => {
  // GIVEN both stacks composed without any acknowledgement
  const config = loadStageConfig(stage);
  const app = testApp();
  const { pipeline } = bareStacks(app, config);
  const raw = nagFindings(app);
  // WHEN the acknowledgements are applied
  acknowledgeNagFindings(pipeline);
  const acked = acknowledgements(app);

  it('leaves no finding unacknowledged', () => {
    expect(raw.length).toBeGreaterThan(0);
    expect(nagFindings(app)).toEqual([]);
  });

  it('finds nothing at all in the data stack', () => {
    expect(raw.filter((f) => f.path.startsWith('Data/'))).toEqual([]);
  });

  it('acknowledges only findings that exist, on the construct that has them or its parent', () => {
    expect(acked.length).toBeGreaterThan(0);
    for (const ack of acked) {
      const matched = raw.filter(
        (f) => f.rule === ack.rule && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)),
      );
      expect({ acknowledgement: `${ack.rule} on ${ack.path}`, matches: matched.length > 0 }).toEqual({
        acknowledgement: `${ack.rule} on ${ack.path}`,
        matches: true,
      });
    }
  });

  it('acknowledges each finding on its own consumer, never on a whole stack', () => {
    for (const ack of acked) {
      expect(ack.path).toMatch(/^Pipeline\/[A-Za-z]+\/.+/);
    }
  });
});

describe('NAG_ACKNOWLEDGEMENTS', () => {
  it.each(Object.entries(NAG_ACKNOWLEDGEMENTS))(
    '%s names one rule of a pack and gives a real reason',
    (_key, ack) => {
      expect(ack.id).toMatch(/^(AwsSolutions|Serverless)-[A-Za-z0-9]+(\[[^\]]+\])?$/);
      expect(ack.reason.length).toBeGreaterThan(80);
    },
  );

  it('acknowledges wildcard IAM findings one resource at a time, never the whole rule', () => {
    const iam5 = Object.values(NAG_ACKNOWLEDGEMENTS).filter((a) => a.id.startsWith('AwsSolutions-IAM5'));
    expect(iam5.map((a) => a.id)).toEqual(['AwsSolutions-IAM5[Resource::*]']);
  });
});
