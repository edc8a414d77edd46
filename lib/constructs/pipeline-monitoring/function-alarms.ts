import { ALARM_PERIOD } from '../../defaults';
import type { MakeAlarm, PipelineAlarm } from './alarms';
import type { MonitoredStep } from './step';

/** The function of a step reports an error or a throttle: the first one alarms. */
export function functionAlarms(step: MonitoredStep, make: MakeAlarm): PipelineAlarm[] {
  return [
    make(
      'functionErrors',
      step.fn.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum' }),
      'the function failed a whole invocation (error, crash or timeout)',
    ),
    make(
      'functionThrottles',
      step.fn.metricThrottles({ period: ALARM_PERIOD, statistic: 'Sum' }),
      'invocations of the function were throttled',
    ),
  ];
}
