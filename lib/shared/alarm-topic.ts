import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { isEmail } from './context-keys';
import { DeadLetterQueue } from './dead-letter-queue';
import { PropError } from './guards';
import { FAILURE_RECORDS } from './limits';

/** Props of {@link AlarmTopic}. */
export interface AlarmTopicProps {
  /**
   * Address subscribed to the topic. SNS sends it a confirmation mail first.
   * @default - no e-mail subscription
   */
  readonly email?: string;
  /**
   * Removal policy of the topic's KMS key.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The one topic every alarm of a stack notifies: encrypted with its own rotating KMS key that
 * CloudWatch may use, publishable only over TLS, optionally mailed to an operator.
 */
export class AlarmTopic extends Construct {
  /** The topic. */
  public readonly topic: sns.Topic;
  /** The topic's encryption key. */
  public readonly key: kms.Key;
  /** Dead-letter queue of the e-mail subscription, when there is one. */
  public readonly emailDeadLetterQueue?: sqs.Queue;
  /** The alarm action that publishes to the topic. */
  public readonly action: cloudwatch.IAlarmAction;

  public constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    if (props.email !== undefined && !isEmail(props.email)) {
      throw new PropError(this, 'email', `= ${JSON.stringify(props.email)} is not an e-mail address`);
    }
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the alarm topic; CloudWatch alarms may use it to publish',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    // CloudWatch publishes alarm notifications to an encrypted topic only if the key lets it
    // (SNS Developer Guide, "Enable compatibility between event sources and encrypted topics").
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Decoupling patterns alarms',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': this.topic.env.account } },
      }),
    );
    if (props.email !== undefined) {
      // Undeliverable alarm mails are kept, not dropped (SNS subscription redrive policy).
      this.emailDeadLetterQueue = new DeadLetterQueue(this, 'EmailDeadLetterQueue', {
        purpose: 'the alarm e-mail subscription',
        // Anyone in the account may publish to the topic, so the largest notification can fail into it.
        maxMessageSizeBytes: FAILURE_RECORDS.snsEnvelopedMaxBytes,
        removalPolicy: props.removalPolicy,
      }).queue;
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.email, { deadLetterQueue: this.emailDeadLetterQueue }));
    }
    this.action = new actions.SnsAction(this.topic);
  }

  /** Sends the alarm's ALARM and OK transitions to the topic. */
  public notify(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    return alarm;
  }
}
