import { Duration } from 'aws-cdk-lib';
import { AlarmStatusWidget, Dashboard, GraphWidget, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { ALARM_PERIOD, API_ALARM_PERIOD } from '../../defaults';
import type { PipelineAlarm } from './alarms';
import { apiMetrics, type MonitoredApi } from './api-alarms';
import { ruleMetric } from './event-bus-alarms';
import type { MonitoredStep } from './step';

/** What the dashboard shows: the alarms' status, then the API and every step. */
export interface PipelineDashboardInput {
  readonly stage: string;
  readonly dashboardName: string;
  /** Base of the runbook link (no `#section`). */
  readonly runbookUrl: string;
  readonly eventBus: IEventBus;
  readonly steps: readonly MonitoredStep[];
  readonly api?: MonitoredApi;
  readonly alarms: readonly PipelineAlarm[];
}

/** The stage's dashboard: a header with the runbook, every alarm's status, then the API and every step. */
export function pipelineDashboard(scope: Construct, input: PipelineDashboardInput): Dashboard {
  const dashboard = new Dashboard(scope, 'Dashboard', {
    dashboardName: input.dashboardName,
    defaultInterval: Duration.hours(3),
  });
  dashboard.addWidgets(
    new TextWidget({
      markdown: `# Order pipeline (${input.stage})\nAlarms go to the SNS topic of this stage; each alarm links its section of the [runbook](${input.runbookUrl}). \`npm run ops -- dlq list --stage ${input.stage}\` lists the dead-letter queues.`,
      width: 24,
      height: 2,
    }),
    new AlarmStatusWidget({
      title: 'Alarms',
      alarms: input.alarms.map((a) => a.alarm),
      width: 24,
      height: Math.max(3, Math.ceil(input.alarms.length / 4) + 1),
    }),
  );
  if (input.api) dashboard.addWidgets(...apiWidgets(input.api));
  for (const step of input.steps) dashboard.addWidgets(...stepWidgets(input.eventBus, step));
  return dashboard;
}

function apiWidgets(monitored: MonitoredApi): GraphWidget[] {
  const api = apiMetrics(monitored);
  return [
    new GraphWidget({
      title: `${monitored.name}: requests`,
      width: 12,
      left: [
        api.requests.with({ label: 'requests' }),
        api.clientErrors.with({ label: '4xx' }),
        api.serverErrors.with({ label: '5xx' }),
      ],
      right: [api.serverErrorRate],
    }),
    new GraphWidget({
      title: `${monitored.name}: latency`,
      width: 12,
      left: [
        monitored.httpApi.metricLatency({
          period: API_ALARM_PERIOD,
          statistic: 'p50',
          label: 'p50 (ms)',
        }),
        api.p99,
      ],
    }),
  ];
}

/** One row per step: its rule, its queue, its function and its dead-letter queues. */
function stepWidgets(bus: IEventBus, step: MonitoredStep): GraphWidget[] {
  const period = ALARM_PERIOD;
  const ruleMetricOf = (metricName: string) => ruleMetric(bus, step.rule, metricName, { label: metricName });
  return [
    new GraphWidget({
      title: `${step.name}: rule`,
      width: 6,
      left: [
        ruleMetricOf('Invocations'),
        ruleMetricOf('FailedInvocations'),
        ruleMetricOf('InvocationsSentToDlq'),
        ruleMetricOf('ThrottledRules'),
      ],
    }),
    new GraphWidget({
      title: `${step.name}: queue`,
      width: 6,
      left: [
        step.queue.metricApproximateNumberOfMessagesVisible({ period, label: 'visible' }),
        step.queue.metricApproximateNumberOfMessagesNotVisible({ period, label: 'in flight' }),
      ],
      right: [
        step.queue.metricApproximateAgeOfOldestMessage({
          period,
          statistic: 'Maximum',
          label: 'oldest (s)',
        }),
      ],
    }),
    new GraphWidget({
      title: `${step.name}: function`,
      width: 6,
      left: [
        step.fn.metricInvocations({ period, label: 'invocations' }),
        step.fn.metricErrors({ period, label: 'errors' }),
        step.fn.metricThrottles({ period, label: 'throttles' }),
      ],
      right: [step.fn.metricDuration({ period, statistic: 'p99', label: 'p99 duration' })],
    }),
    new GraphWidget({
      title: `${step.name}: dead-letter queues`,
      width: 6,
      left: [
        step.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period,
          statistic: 'Maximum',
          label: 'DLQ',
        }),
        step.targetDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period,
          statistic: 'Maximum',
          label: 'target DLQ',
        }),
      ],
      right: [
        step.deadLetterQueue.metricApproximateAgeOfOldestMessage({
          period,
          statistic: 'Maximum',
          label: 'DLQ oldest (s)',
        }),
        step.targetDeadLetterQueue.metricApproximateAgeOfOldestMessage({
          period,
          statistic: 'Maximum',
          label: 'target DLQ oldest (s)',
        }),
      ],
    }),
  ];
}
