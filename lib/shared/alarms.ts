import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

/** Props of {@link thresholdAlarm}. */
export interface ThresholdAlarmProps {
  /** What the alarm means, for whoever gets it. */
  readonly description: string;
  readonly metric: cloudwatch.IMetric;
  /** ALARM when the metric is at or above this. */
  readonly threshold: number;
  /**
   * Consecutive periods at or above the threshold.
   * @default 1
   */
  readonly evaluationPeriods?: number;
  /**
   * Where ALARM and OK notify.
   * @default - no actions
   */
  readonly action?: cloudwatch.IAlarmAction;
}

/**
 * An alarm at or above a threshold, the way every alarm of the project is made: missing data is not
 * breaching (an idle resource publishes no metrics), and both ALARM and OK go to the action.
 */
export function thresholdAlarm(scope: Construct, id: string, props: ThresholdAlarmProps): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmDescription: props.description,
    metric: props.metric,
    threshold: props.threshold,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: props.evaluationPeriods ?? 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  if (props.action) {
    alarm.addAlarmAction(props.action);
    alarm.addOkAction(props.action);
  }
  return alarm;
}
