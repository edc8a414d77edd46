import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { MathExpression } from 'aws-cdk-lib/aws-cloudwatch';
import {
  API_5XX_RATE_ALARM_PERCENT,
  API_ALARM_PERIOD,
  API_LATENCY_ALARM_PERIODS,
  API_P99_LATENCY_ALARM,
} from '../../defaults';
import type { MakeAlarm, PipelineAlarm } from './alarms';

/** The HTTP API in front of the pipeline, as the monitoring sees it. */
export interface MonitoredApi {
  /** Short name shown in alarm descriptions and on the dashboard, e.g. `api`. */
  readonly name: string;
  readonly httpApi: IHttpApi;
}

/**
 * The API's share of 5xx answers, and its p99 latency sustained over several periods. 4xx are the
 * callers' mistakes (and 401/403/429 API Gateway's own answers): on the dashboard, not paging.
 */
export function apiMetrics(api: MonitoredApi) {
  const period = API_ALARM_PERIOD;
  const requests = api.httpApi.metricCount({ period, statistic: 'Sum' });
  const serverErrors = api.httpApi.metricServerError({ period, statistic: 'Sum' });
  return {
    requests,
    serverErrors,
    clientErrors: api.httpApi.metricClientError({ period, statistic: 'Sum' }),
    serverErrorRate: new MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { requests, errors: serverErrors },
      period,
      label: '5xx rate (%)',
    }),
    p99: api.httpApi.metricLatency({ period, statistic: 'p99' }),
  };
}

/** The API answers 5xx to a share of its requests, or its p99 latency stays high. */
export function apiAlarms(api: MonitoredApi, make: MakeAlarm): PipelineAlarm[] {
  const metrics = apiMetrics(api);
  const latencyMs = API_P99_LATENCY_ALARM.toMilliseconds();
  const minutes = API_ALARM_PERIOD.toMinutes();
  return [
    make(
      'apiServerErrors',
      metrics.serverErrorRate,
      `at least ${API_5XX_RATE_ALARM_PERCENT} % of the requests of ${minutes} minutes were answered 5xx (a dependency failed)`,
      API_5XX_RATE_ALARM_PERCENT,
    ),
    make(
      'apiLatency',
      metrics.p99,
      `p99 latency above ${latencyMs} ms for ${API_LATENCY_ALARM_PERIODS * minutes} minutes`,
      latencyMs,
      API_LATENCY_ALARM_PERIODS,
    ),
  ];
}
