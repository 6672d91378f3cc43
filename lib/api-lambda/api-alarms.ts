import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { thresholdAlarm } from '../shared/alarms';

/** What an API (a REST API, an HTTP API stage) measures of its requests. */
export interface ApiRequestMetrics {
  metricServerError(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricClientError(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/** The descriptions of the three alarms, in the words of the API they watch. */
export interface ApiAlarmDescriptions {
  readonly serverErrorRate: string;
  readonly clientErrorRate: string;
  readonly latencyP99: string;
}

/**
 * The alarms of a request/response API front door, on 5-minute periods: more than 5% of requests
 * failing with 5XX; more than 25% refused with 4XX for 10 minutes; p99 latency at or above 3 s for
 * 15 minutes.
 */
export function apiAlarms(
  scope: Construct,
  api: ApiRequestMetrics,
  descriptions: ApiAlarmDescriptions,
  action?: cloudwatch.IAlarmAction,
): cloudwatch.Alarm[] {
  const period = Duration.minutes(5);
  return [
    thresholdAlarm(scope, 'ServerErrorRateAlarm', {
      description: descriptions.serverErrorRate,
      metric: api.metricServerError({ period, statistic: 'Average' }),
      threshold: 0.05,
      action,
    }),
    thresholdAlarm(scope, 'ClientErrorRateAlarm', {
      description: descriptions.clientErrorRate,
      metric: api.metricClientError({ period, statistic: 'Average' }),
      threshold: 0.25,
      evaluationPeriods: 2,
      action,
    }),
    thresholdAlarm(scope, 'LatencyP99Alarm', {
      description: descriptions.latencyP99,
      metric: api.metricLatency({ period, statistic: 'p99' }),
      threshold: 3000,
      evaluationPeriods: 3,
      action,
    }),
  ];
}
