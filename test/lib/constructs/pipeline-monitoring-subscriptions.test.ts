import { beforeAll, describe, expect, it } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { ConfigError, loadStageConfig } from '../../../lib/config';
import { monitoredStepOf, PipelineMonitoring } from '../../../lib/constructs/pipeline-monitoring';
import { acknowledgeNagFindings } from '../../../lib/nag-suppressions';
import { addOrderPipeline } from '../../../lib/order-pipeline';
import { RUNBOOK_URL } from '../../../lib/repository';
import { withMessage } from '../../support/with-message';
import { bareStacks, cdkJsonContext, resourcesOf, SYNTH_TIMEOUT_MS, testApp } from '../support/app';

const ENDPOINTS = ['oncall@example.com', 'https://events.example.com/integration/abc/enqueue'];

/** The pipeline stack alone, without the cdk-nag packs addOrderPipeline applies at synth. */
function synthUnchecked(app: App, overrides: Parameters<typeof loadStageConfig>[1] = {}) {
  return bareStacks(app, loadStageConfig('dev', overrides));
}

function synth(app: App, overrides: Parameters<typeof loadStageConfig>[1] = {}) {
  const { pipeline } = addOrderPipeline(app, loadStageConfig('dev', overrides));
  return { pipeline, resources: resourcesOf(Template.fromStack(pipeline)) };
}

describe('alarm subscriptions (the stage setting alarmSubscriptions)', () => {
  let synthesized: ReturnType<typeof synth>;
  beforeAll(() => {
    synthesized = synth(testApp(), { alarmSubscriptions: ENDPOINTS });
  }, SYNTH_TIMEOUT_MS);

  it('GIVEN an email and an https endpoint WHEN synthesized THEN each is subscribed to the alarm topic with its protocol', () => {
    const topicId = synthesized.pipeline.getLogicalId(
      synthesized.pipeline.monitoring.topic.node.defaultChild as never,
    );
    const subscriptions = Object.values(synthesized.resources)
      .filter((r) => r.Type === 'AWS::SNS::Subscription')
      .map((r) => r.Properties);
    expect(subscriptions).toEqual([
      expect.objectContaining({ Protocol: 'email', Endpoint: ENDPOINTS[0], TopicArn: { Ref: topicId } }),
      expect.objectContaining({ Protocol: 'https', Endpoint: ENDPOINTS[1], TopicArn: { Ref: topicId } }),
    ]);
  });

  it('GIVEN subscriptions WHEN SNS cannot deliver to one THEN the notification goes to a dead-letter queue whose alarm pages the other endpoints', () => {
    const { pipeline, resources } = synthesized;
    const dlq = pipeline.monitoring.notificationDeadLetterQueue;
    expect(dlq).toBeDefined();
    const dlqId = pipeline.getLogicalId(dlq?.node.defaultChild as never);
    const subscriptions = Object.values(resources).filter((r) => r.Type === 'AWS::SNS::Subscription');
    for (const subscription of subscriptions) {
      expect(subscription.Properties?.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      });
    }
    expect(resources[dlqId]?.Properties).toMatchObject({
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
    const alarm = pipeline.monitoring.alarms.find((a) => a.kind === 'alarmNotificationsUndelivered');
    expect(alarm?.step).toBe('alarm-topic');
    const alarmProps = resources[pipeline.getLogicalId(alarm?.alarm.node.defaultChild as never)]?.Properties;
    expect(alarmProps).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 1,
    });
    expect(String(alarmProps?.AlarmDescription)).toMatch(/Runbook: \S+#alarm-notifications-undelivered$/);
    expect(Template.fromStack(pipeline).findOutputs('AlarmNotificationDeadLetterQueueUrl')).not.toEqual({});
  });

  it('GIVEN subscriptions WHEN checked by cdk-nag THEN the dead-letter queue’s findings are acknowledged and nothing else is left', () => {
    const app = testApp();
    const { pipeline } = synthUnchecked(app, { alarmSubscriptions: ENDPOINTS });
    const findings = () =>
      [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
        pack
          .validateScope(app)
          .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`)),
      );
    const dlqPath = pipeline.monitoring.notificationDeadLetterQueue?.node.path ?? '-';
    expect(
      findings()
        .filter((f) => f.includes(dlqPath))
        .sort(),
    ).toEqual([`AwsSolutions-SQS3 ${dlqPath}/Resource`, `Serverless-SQSRedrivePolicy ${dlqPath}/Resource`]);
    acknowledgeNagFindings(pipeline);
    expect(
      findings().filter((f) => !f.includes('/Consumer') && /AlarmTopic|Notification|Subscription/.test(f)),
    ).toEqual([]);
    expect(findings().filter((f) => f.includes(dlqPath))).toEqual([]);
  });

  it('subscribes nothing by default, and then has no dead-letter queue for notifications', () => {
    expect(synthUnchecked(testApp()).pipeline.monitoring.notificationDeadLetterQueue).toBeUndefined();
    expect(loadStageConfig('dev').alarmSubscriptions).toEqual([]);
    expect(loadStageConfig('prod').alarmSubscriptions).toEqual([]);
  });

  it('fails for an endpoint that is neither an email address nor an https URL, naming the field', () => {
    for (const bad of ['oncall', 'http://hooks.example.com/alarm', 'https://', 'ftp://example.com', 'a@b']) {
      withMessage(bad, () =>
        expect(() => loadStageConfig('dev', { alarmSubscriptions: [bad] })).toThrow(ConfigError),
      );
      withMessage(bad, () =>
        expect(() => loadStageConfig('dev', { alarmSubscriptions: [bad] })).toThrow(
          /alarmSubscriptions\.0: an email address or an https:\/\/ URL/,
        ),
      );
    }
  });

  it('fails in the construct for an endpoint that is not an email address or an https URL', () => {
    const { pipeline } = synthUnchecked(testApp());
    expect(
      () =>
        new PipelineMonitoring(pipeline, 'Other', {
          stage: 'x',
          eventBus: pipeline.eventBus,
          steps: [monitoredStepOf('validate-order', pipeline.consumers['validate-order'])],
          alarmSubscriptions: ['https://user:secret@hooks.example.com/a'],
        }),
    ).toThrow(
      /alarm subscription "https:\/\/user:secret@hooks.example.com\/a" must be an email address or an https:\/\/ URL without credentials/,
    );
  });

  it('fails for an endpoint listed twice', () => {
    expect(() =>
      loadStageConfig('dev', { alarmSubscriptions: [ENDPOINTS[0] ?? '', ENDPOINTS[0] ?? ''] }),
    ).toThrow(/alarmSubscriptions: an endpoint is listed twice/);
  });
});

describe('runbook links', () => {
  const descriptionsAndDashboard = (app: App) => {
    const { resources } = synth(app);
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    const dashboard = Object.values(resources).find((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    return {
      descriptions: alarms.map((a) => String(a.Properties?.AlarmDescription)),
      dashboard: JSON.stringify(dashboard?.Properties?.DashboardBody),
    };
  };

  it(
    'GIVEN no runbookUrl WHEN synthesized THEN alarms and the dashboard link docs/runbook.md in the repository',
    () => {
      const { descriptions, dashboard } = descriptionsAndDashboard(testApp());
      expect(descriptions.length).toBeGreaterThan(0);
      for (const d of descriptions) expect(d).toContain(`Runbook: ${RUNBOOK_URL}#`);
      expect(dashboard).toContain(`[runbook](${RUNBOOK_URL})`);
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    'GIVEN -c runbookUrl=<url> WHEN synthesized THEN the dashboard links it too',
    () => {
      const url = 'https://wiki.example.com/order-pipeline/runbook';
      const app = new App({
        context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], runbookUrl: url },
        builtinCloudFormationValidation: false,
      });
      const { descriptions, dashboard } = descriptionsAndDashboard(app);
      for (const d of descriptions) expect(d).toContain(`Runbook: ${url}#`);
      expect(dashboard).toContain(`[runbook](${url})`);
      expect(dashboard).not.toContain(RUNBOOK_URL);
    },
    SYNTH_TIMEOUT_MS,
  );
});
