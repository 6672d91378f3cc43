import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { thresholdAlarm } from '../shared/alarms';

/** An errors alarm and a throttles alarm for a function behind an API (each is a failed request for a client). */
export function functionAlarms(scope: Construct, id: string, fn: lambda.IFunction, action?: cloudwatch.IAlarmAction): cloudwatch.Alarm[] {
  const period = Duration.minutes(5);
  return [
    thresholdAlarm(scope, `${id}ErrorsAlarm`, {
      description: `${id} function invocations failed (the API answered 5XX)`,
      metric: fn.metricErrors({ period, statistic: 'Sum' }),
      threshold: 1,
      action,
    }),
    thresholdAlarm(scope, `${id}ThrottlesAlarm`, {
      description: `${id} function invocations were throttled (concurrency exhausted; the API answered 5XX)`,
      metric: fn.metricThrottles({ period, statistic: 'Sum' }),
      threshold: 1,
      action,
    }),
  ];
}
