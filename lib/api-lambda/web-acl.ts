import { Fn, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct, type IConstruct } from 'constructs';
import { thresholdAlarm } from '../shared/alarms';
import { guardInteger, PropError } from '../shared/guards';
import { APIGATEWAY } from '../shared/limits';

/** Props of {@link RegionalWebAcl}. */
export interface RegionalWebAclProps {
  /**
   * Requests one IP may send per evaluation window before the rate-based rule blocks it.
   * @default 500
   */
  readonly rateLimit?: number;
  /**
   * The rate-based rule's evaluation window in seconds: 60, 120, 300 or 600.
   * @default 300
   */
  readonly rateWindowSeconds?: number;
  /**
   * Blocked requests per 5 minutes at which the blocked-request alarm fires.
   * @default 100
   */
  readonly blockedRequestsAlarmThreshold?: number;
  /**
   * Where the blocked-request alarm notifies.
   * @default - no alarm actions
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

/** The AWS managed rule groups the web ACL evaluates, in order. */
export const MANAGED_RULE_GROUPS = ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet'] as const;

/**
 * A regional AWS WAF web ACL for REST API stages: the AWS managed common rule set (OWASP-style
 * request inspection) and known-bad-inputs rule set, then a rate-based rule that blocks an IP
 * sending more than `rateLimit` requests per window. CloudWatch metrics for every rule, and an
 * alarm on a spike of blocked requests. {@link associate} attaches it to a stage only after the
 * stage exists.
 */
export class RegionalWebAcl extends Construct {
  public readonly webAcl: wafv2.CfnWebACL;
  /** Requests the web ACL blocked (all rules), per 5 minutes. */
  public readonly blockedRequests: cloudwatch.Metric;
  public readonly blockedRequestsAlarm: cloudwatch.Alarm;
  public readonly rateLimit: number;

  public constructor(scope: Construct, id: string, props: RegionalWebAclProps = {}) {
    super(scope, id);
    this.rateLimit = props.rateLimit ?? 500;
    const window = props.rateWindowSeconds ?? APIGATEWAY.defaultWafRateWindowSeconds;
    guardInteger(this, 'rateLimit', this.rateLimit, APIGATEWAY.wafRateLimit);
    if (!(APIGATEWAY.wafRateWindowsSeconds as readonly number[]).includes(window)) {
      throw new PropError(
        this,
        'rateWindowSeconds',
        `= ${window} s is not an AWS WAF evaluation window: allowed ${APIGATEWAY.wafRateWindowsSeconds.join(', ')} s`,
      );
    }
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    this.webAcl = new wafv2.CfnWebACL(this, 'Resource', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      description: 'Managed common and known-bad-inputs rules and a per-IP rate limit for the REST API stage',
      visibilityConfig: visibility('ApiFrontDoor'),
      rules: [
        ...MANAGED_RULE_GROUPS.map((name, priority) => ({
          name,
          priority,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
          visibilityConfig: visibility(name),
        })),
        {
          name: 'RateLimitPerIp',
          priority: MANAGED_RULE_GROUPS.length,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: this.rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: window } },
          visibilityConfig: visibility('RateLimitPerIp'),
        },
      ],
    });
    // Ref of a web ACL is `name|id|scope`; CloudWatch dimensions take the name.
    const name = Fn.select(0, Fn.split('|', this.webAcl.ref));
    this.blockedRequests = new cloudwatch.Metric({
      namespace: 'AWS/WAFV2',
      metricName: 'BlockedRequests',
      dimensionsMap: { WebACL: name, Region: Stack.of(this).region, Rule: 'ALL' },
      statistic: 'Sum',
    });
    this.blockedRequestsAlarm = thresholdAlarm(this, 'BlockedRequestsAlarm', {
      description: 'AWS WAF blocked a spike of requests to the REST API (an attack, or a rule blocking legitimate traffic)',
      metric: this.blockedRequests,
      threshold: props.blockedRequestsAlarmThreshold ?? 100,
      action: props.alarmAction,
    });
  }

  /**
   * Associates the web ACL with a REST API stage. The association depends on the stage resource,
   * so CloudFormation creates it only once the stage exists (otherwise it can race the stage and
   * fail with WAFUnavailableEntityException).
   */
  public associate(id: string, stageArn: string, stage: IConstruct): wafv2.CfnWebACLAssociation {
    const association = new wafv2.CfnWebACLAssociation(this, id, { resourceArn: stageArn, webAclArn: this.webAcl.attrArn });
    association.node.addDependency(stage);
    return association;
  }
}
