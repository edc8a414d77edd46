import { Fn, Token } from 'aws-cdk-lib';
import { MathExpression, Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { IEventBus, IRule } from 'aws-cdk-lib/aws-events';
import { ALARM_PERIOD } from '../../defaults';
import type { MakeAlarm, PipelineAlarm } from './alarms';
import type { MonitoredStep } from './step';

/** CloudWatch evaluates at most 10 metrics in one metric math alarm (a hard limit). */
export const MAX_METRICS_PER_MATH_ALARM = 10;

/**
 * The name EventBridge publishes a rule's metrics under. `rule.ruleName` is the rule's Ref, which for a
 * rule on a custom bus is `<bus>|<rule>` (cloudformation-coverage-roadmap issues 1131 and 1949): alarms
 * on that value never see a datapoint. The bare name is taken from the Ref instead of giving the rule
 * a physical name, which would have to stay unique on the bus and would block CloudFormation from
 * replacing the rule; a name known at synth (an imported rule) is split here.
 */
export function metricRuleName(rule: Pick<IRule, 'ruleName'>): string {
  const { ruleName } = rule;
  if (!Token.isUnresolved(ruleName)) return ruleName.slice(ruleName.lastIndexOf('|') + 1);
  return Fn.select(1, Fn.split('|', ruleName));
}

/**
 * An AWS/Events metric of a rule on the custom bus `bus`, with both dimensions EventBridge publishes it
 * under: `EventBusName` and the bare `RuleName`. The alarms and the dashboard both build rule metrics here.
 */
export function ruleMetric(
  bus: IEventBus,
  rule: IRule,
  metricName: string,
  options: MetricOptions = {},
): Metric {
  return new Metric({
    namespace: 'AWS/Events',
    metricName,
    dimensionsMap: { EventBusName: bus.eventBusName, RuleName: metricRuleName(rule) },
    statistic: 'Sum',
    period: ALARM_PERIOD,
    ...options,
  });
}

/** The rule of a step: its target invocations fail permanently, go to the target DLQ, or fail to go there. */
export function ruleAlarms(step: MonitoredStep, bus: IEventBus, make: MakeAlarm): PipelineAlarm[] {
  const ruleMetricOf = (metricName: string) => ruleMetric(bus, step.rule, metricName);
  return [
    make(
      'ruleFailedInvocations',
      ruleMetricOf('FailedInvocations'),
      'the rule failed to deliver events to its queue for good',
    ),
    make(
      'ruleInvocationsSentToDlq',
      ruleMetricOf('InvocationsSentToDlq'),
      'the rule sent events it could not deliver to its target DLQ',
    ),
    make(
      'ruleInvocationsFailedToBeSentToDlq',
      ruleMetricOf('InvocationsFailedToBeSentToDlq'),
      'the rule could not deliver events nor put them in its target DLQ: they are lost unless replayed',
    ),
  ];
}

/**
 * EventBridge publishes ThrottledRules per rule, so the bus alarm sums the metric of every step's
 * rule. A throttled delivery is retried (for up to the target's maximum event age), so nothing is
 * lost yet, but the account's invocation quota is reached and every step slows down: as for a
 * function throttle, the first one alarms.
 */
export function busThrottleAlarm(
  bus: IEventBus,
  steps: readonly MonitoredStep[],
  make: MakeAlarm,
): PipelineAlarm {
  const usingMetrics = Object.fromEntries(
    steps.map((step, i) => [`rule${i}`, ruleMetric(bus, step.rule, 'ThrottledRules')]),
  );
  const throttled = new MathExpression({
    expression: `SUM([${Object.keys(usingMetrics).join(', ')}])`,
    usingMetrics,
    period: ALARM_PERIOD,
    label: 'throttled rules',
  });
  return make(
    'busThrottledRules',
    throttled,
    'EventBridge throttled deliveries of the pipeline rules (account invocation quota reached)',
  );
}
