import { CfnElement, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { thresholdAlarm } from '../shared/alarms';
import { isEmail } from '../shared/context-keys';
import { DeadLetterQueue } from '../shared/dead-letter-queue';
import { guardInteger, guardRange, PropError, seconds } from '../shared/guards';
import { FAILURE_RECORDS, SNS, SQS } from '../shared/limits';

/** Props of {@link FanoutTopic}. */
export interface FanoutTopicProps {
  /**
   * A FIFO topic: ordering per message group and deduplication, delivering to FIFO queues only.
   * @default false
   */
  readonly fifo?: boolean;
  /**
   * FIFO only: deduplicate on a SHA-256 of the body when the publisher sends no deduplication id.
   * @default false
   */
  readonly contentBasedDeduplication?: boolean;
  /**
   * The customer-managed key that encrypts the topic.
   * @default - a new key with automatic rotation whose policy lets SNS use it
   */
  readonly masterKey?: kms.IKey;
  /**
   * Principals besides the owner account that may publish (for example `s3.amazonaws.com` with a
   * condition, or another account). They also get the key actions publishing needs.
   * @default - the owner account only
   */
  readonly publishers?: iam.IPrincipal[];
  /**
   * Removal policy of a created key and of the subscriptions' dead-letter queues.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Where the topic's alarms and the dead-letter queues' alarms notify.
   * @default - alarms without actions
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

/** Filtering and delivery settings of one subscription. */
export interface FanoutSubscriptionOptions {
  /**
   * Filter policy on message attributes (scope MessageAttributes).
   * @default - no filter
   */
  readonly filterPolicy?: Record<string, sns.SubscriptionFilter>;
  /**
   * Filter policy on the JSON message body (scope MessageBody), nested keys allowed.
   * @default - no filter
   */
  readonly filterPolicyWithMessageBody?: Record<string, sns.FilterOrPolicy>;
}

/** Settings of a queue subscription. */
export interface QueueSubscriptionOptions extends FanoutSubscriptionOptions {
  /**
   * Deliver the message as published, without the SNS JSON envelope (attributes become SQS message attributes).
   * @default false
   */
  readonly rawMessageDelivery?: boolean;
}

/** Retry policy of an HTTP/S subscription (SNS delivery policy, healthy retry policy). */
export interface WebhookRetryPolicy {
  /** @default 3 */
  readonly numRetries?: number;
  /** @default Duration.seconds(1) */
  readonly minDelay?: Duration;
  /** @default Duration.seconds(20) */
  readonly maxDelay?: Duration;
  /** @default sns.BackoffFunction.EXPONENTIAL */
  readonly backoffFunction?: sns.BackoffFunction;
  /**
   * Deliveries per second to the endpoint.
   * @default - not throttled
   */
  readonly maxReceivesPerSecond?: number;
}

/** The settings every subscription of a fan-out topic shares. */
interface CommonSubscriptionProps {
  readonly filterPolicy?: Record<string, sns.SubscriptionFilter>;
  readonly filterPolicyWithMessageBody?: Record<string, sns.FilterOrPolicy>;
  readonly deadLetterQueue: sqs.IQueue;
}

/** What a subscribe call created. */
export interface FanoutSubscription {
  readonly subscription: sns.Subscription;
  /** The subscription's own dead-letter queue (SNS subscription redrive policy). */
  readonly deadLetterQueue: DeadLetterQueue;
}

/**
 * An SNS topic for fan-out, secure and observable by default: encrypted with a customer-managed key
 * whose policy lets SNS use it for this topic only (`aws:SourceArn`), TLS only, publishable by the
 * owner account and the listed publishers only, and alarms on failed deliveries and on messages
 * filtered out for invalid attributes. The topic is named from its construct path. Every
 * subscription gets its own dead-letter queue, and subscribing wires the rest: the queue policy
 * allows this topic only, a customer-managed queue key lets SNS encrypt for the queue.
 *
 * Guards the delivery pitfalls: a queue encrypted with the AWS managed key `alias/aws/sqs` (SNS
 * cannot use it; deliveries are dropped silently), a FIFO topic with a standard queue or a standard
 * topic with a FIFO queue, a Lambda subscription to a FIFO topic, filter policies over the SNS
 * limits, an HTTP (not HTTPS) endpoint, retry policies over the SNS limits.
 */
export class FanoutTopic extends Construct {
  /** The topic. */
  public readonly topic: sns.Topic;
  /** The topic's key. */
  public readonly key: kms.IKey;
  /** Whether the topic is FIFO. */
  public readonly fifo: boolean;
  /** NumberOfNotificationsFailed >= 1. */
  public readonly failedAlarm: cloudwatch.Alarm;
  /** NumberOfNotificationsFilteredOut-InvalidAttributes >= 1. */
  public readonly invalidAttributesAlarm: cloudwatch.Alarm;
  /** Every subscription made through this construct, by the id it was given. */
  public readonly subscribed = new Map<string, FanoutSubscription>();
  private readonly removalPolicy: RemovalPolicy;
  private readonly alarmAction?: cloudwatch.IAlarmAction;

  public constructor(scope: Construct, id: string, props: FanoutTopicProps = {}) {
    super(scope, id);
    this.fifo = props.fifo ?? false;
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    this.alarmAction = props.alarmAction;
    if (!this.fifo && props.contentBasedDeduplication !== undefined) {
      throw new PropError(this, 'contentBasedDeduplication', 'applies to FIFO topics only: set fifo: true or remove it');
    }
    // The topic is named from its construct path (unique in the app) so that its ARN is known before
    // it exists: the key policy names the topic, and referencing the topic resource from the key
    // would be a circular dependency (the topic references the key).
    const suffix = this.fifo ? '.fifo' : '';
    const topicName = Names.uniqueResourceName(this, { maxLength: SNS.maxTopicNameLength - suffix.length, separator: '-' }) + suffix;
    const topicArn = Stack.of(this).formatArn({ service: 'sns', resource: topicName });
    if (props.masterKey) {
      this.key = props.masterKey;
    } else {
      const key = new kms.Key(this, 'Key', {
        description: `Encrypts the ${this.node.path} topic`,
        enableKeyRotation: true,
        removalPolicy: this.removalPolicy,
      });
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowSnsToUseTheKey',
          principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
          actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          resources: ['*'],
          conditions: { ArnEquals: { 'aws:SourceArn': topicArn } },
        }),
      );
      this.key = key;
    }
    this.topic = new sns.Topic(this, 'Topic', {
      topicName,
      fifo: this.fifo || undefined,
      contentBasedDeduplication: this.fifo ? (props.contentBasedDeduplication ?? false) : undefined,
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OwnerAccountPublishes',
        principals: [new iam.AccountRootPrincipal()],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
      }),
    );
    for (const [i, publisher] of (props.publishers ?? []).entries()) {
      this.topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `ExtraPublisher${i}`,
          principals: [publisher],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
        }),
      );
      this.key.grant(publisher, 'kms:GenerateDataKey*', 'kms:Decrypt');
    }

    const period = Duration.minutes(5);
    this.failedAlarm = this.alarm(
      'FailedAlarm',
      this.topic.metricNumberOfNotificationsFailed({ period, statistic: 'Sum' }),
      `${this.node.path}: deliveries failed (see the subscriptions' dead-letter queues)`,
    );
    this.invalidAttributesAlarm = this.alarm(
      'InvalidAttributesAlarm',
      this.topic.metricNumberOfNotificationsFilteredOutInvalidAttributes({ period, statistic: 'Sum' }),
      `${this.node.path}: messages filtered out because their attributes are invalid for a filter policy`,
    );
  }

  /**
   * Subscribes a queue. The queue policy lets this topic (only) send; a customer-managed queue key
   * gets a statement letting SNS use it for this topic.
   */
  public subscribeQueue(id: string, queue: sqs.IQueue, options: QueueSubscriptionOptions = {}): FanoutSubscription {
    if (this.fifo && !queue.fifo) {
      throw new PropError(this, `${id}.queue`, `= ${queue.node.path} is a standard queue: a FIFO topic delivers to FIFO queues only`);
    }
    if (!this.fifo && queue.fifo) {
      throw new PropError(
        this,
        `${id}.queue`,
        `= ${queue.node.path} is a FIFO queue: a standard topic cannot deliver to it (use a FIFO topic)`,
      );
    }
    if (usesAwsManagedKey(queue)) {
      throw new PropError(
        this,
        `${id}.queue`,
        `= ${queue.node.path} is encrypted with the AWS managed key alias/aws/sqs, which SNS cannot use: deliveries would be dropped silently (use SQS_MANAGED or a customer-managed key)`,
      );
    }
    const key = queue.encryptionMasterKey;
    if (key && !(key instanceof kms.Key)) {
      throw new PropError(
        this,
        `${id}.queue`,
        `= ${queue.node.path} uses the imported key ${key.node.path}, whose policy this stack cannot extend: SNS could not encrypt for it (use a key of this stack)`,
      );
    }
    const maxSize = (queue.node.defaultChild as sqs.CfnQueue | undefined)?.maximumMessageSize;
    const needed = options.rawMessageDelivery ? SNS.maxMessageSizeBytes : FAILURE_RECORDS.snsEnvelopedMaxBytes;
    if (typeof maxSize === 'number' && maxSize < needed) {
      throw new PropError(
        this,
        `${id}.queue`,
        `= ${queue.node.path} accepts at most ${maxSize} bytes, less than a ${SNS.maxMessageSizeBytes}-byte SNS message${options.rawMessageDelivery ? '' : ' in its JSON envelope'} (${needed} bytes): large deliveries would fail`,
      );
    }
    return this.subscribe(
      id,
      options,
      (common) => new subscriptions.SqsSubscription(queue, { ...common, rawMessageDelivery: options.rawMessageDelivery ?? false }),
    );
  }

  /**
   * Subscribes a function (invoked asynchronously; its failures go to its own on-failure destination).
   * At synth, the function's on-failure destination and dead-letter queue, when they are queues or
   * topics of this app, must accept the largest record a notification can make: see
   * {@link FAILURE_RECORDS}.
   */
  public subscribeFunction(id: string, fn: lambda.IFunction, options: FanoutSubscriptionOptions = {}): FanoutSubscription {
    if (this.fifo)
      throw new PropError(this, `${id}.function`, `= ${fn.node.path}: a FIFO topic delivers to SQS queues only, not to Lambda`);
    this.node.addValidation({ validate: () => failureTargetProblems(this, id, fn) });
    return this.subscribe(id, options, (common) => new subscriptions.LambdaSubscription(fn, common));
  }

  /** Subscribes an e-mail address (SNS sends a confirmation mail first). */
  public subscribeEmail(id: string, address: string, options: FanoutSubscriptionOptions = {}): FanoutSubscription {
    if (!isEmail(address)) throw new PropError(this, `${id}.address`, `= ${JSON.stringify(address)} is not an e-mail address`);
    if (this.fifo)
      throw new PropError(this, `${id}.address`, 'cannot be subscribed: a FIFO topic delivers to SQS queues only, not to e-mail');
    return this.subscribe(id, options, (common) => new subscriptions.EmailSubscription(address, common));
  }

  /** Subscribes an HTTPS endpoint with a retry (delivery) policy; the endpoint must confirm the subscription. */
  public subscribeUrl(
    id: string,
    url: string,
    retry: WebhookRetryPolicy = {},
    options: FanoutSubscriptionOptions = {},
  ): FanoutSubscription {
    if (!/^https:\/\/[^\s/$.?#].[^\s]*$/i.test(url)) {
      throw new PropError(this, `${id}.url`, `= ${JSON.stringify(url)} is not an https:// URL: notifications are delivered over TLS only`);
    }
    if (this.fifo)
      throw new PropError(this, `${id}.url`, 'cannot be subscribed: a FIFO topic delivers to SQS queues only, not to HTTP/S endpoints');
    const numRetries = retry.numRetries ?? 3;
    const minDelay = retry.minDelay ?? Duration.seconds(1);
    const maxDelay = retry.maxDelay ?? Duration.seconds(20);
    guardInteger(this, `${id}.numRetries`, numRetries, SNS.deliveryRetries);
    guardRange(this, `${id}.minDelay`, seconds(minDelay), SNS.deliveryDelaySeconds);
    guardRange(this, `${id}.maxDelay`, seconds(maxDelay), SNS.deliveryDelaySeconds);
    if ((seconds(minDelay) ?? 0) > (seconds(maxDelay) ?? 0)) {
      throw new PropError(this, `${id}.minDelay`, `= ${seconds(minDelay)} s is longer than maxDelay = ${seconds(maxDelay)} s`);
    }
    if (numRetries * (seconds(maxDelay) ?? 0) > SNS.deliveryMaxTotalSeconds) {
      throw new PropError(
        this,
        `${id}.numRetries`,
        `= ${numRetries} at up to ${seconds(maxDelay)} s each can exceed SNS's ${SNS.deliveryMaxTotalSeconds} s retry window: lower numRetries or maxDelay`,
      );
    }
    return this.subscribe(
      id,
      options,
      (common) =>
        new subscriptions.UrlSubscription(url, {
          ...common,
          protocol: sns.SubscriptionProtocol.HTTPS,
          rawMessageDelivery: false,
          deliveryPolicy: {
            healthyRetryPolicy: {
              numRetries,
              minDelayTarget: minDelay,
              maxDelayTarget: maxDelay,
              backoffFunction: retry.backoffFunction ?? sns.BackoffFunction.EXPONENTIAL,
            },
            throttlePolicy: retry.maxReceivesPerSecond === undefined ? undefined : { maxReceivesPerSecond: retry.maxReceivesPerSecond },
          },
        }),
    );
  }

  /** What every subscription gets: the filter guards, its own dead-letter queue, the filter policy. */
  private subscribe(
    id: string,
    options: FanoutSubscriptionOptions,
    make: (common: CommonSubscriptionProps) => sns.ITopicSubscription,
  ): FanoutSubscription {
    this.guardFilters(id, options);
    const deadLetterQueue = this.deadLetterQueue(id);
    const subscription = this.topic.addSubscription(
      make({
        filterPolicy: options.filterPolicy,
        filterPolicyWithMessageBody: options.filterPolicyWithMessageBody,
        deadLetterQueue: deadLetterQueue.queue,
      }),
    );
    this.subscribed.set(id, { subscription, deadLetterQueue });
    return { subscription, deadLetterQueue };
  }

  private deadLetterQueue(id: string): DeadLetterQueue {
    return new DeadLetterQueue(this, `${id}DeadLetterQueue`, {
      purpose: `the ${id} subscription of ${this.node.path}`,
      // SNS moves the notification it could not deliver here, in its envelope: the largest one must fit.
      maxMessageSizeBytes: FAILURE_RECORDS.snsEnvelopedMaxBytes,
      fifo: this.fifo,
      removalPolicy: this.removalPolicy,
      alarmAction: this.alarmAction,
    });
  }

  /** SNS's documented filter policy limits: 5 keys, 150 combinations of values. */
  private guardFilters(id: string, options: FanoutSubscriptionOptions): void {
    if (options.filterPolicy && options.filterPolicyWithMessageBody) {
      throw new PropError(
        this,
        `${id}.filterPolicy`,
        'and filterPolicyWithMessageBody are exclusive: a subscription filters on attributes or on the body',
      );
    }
    const leaves: number[] = [];
    if (options.filterPolicy) for (const filter of Object.values(options.filterPolicy)) leaves.push(filter.conditions.length);
    if (options.filterPolicyWithMessageBody) collectLeaves(options.filterPolicyWithMessageBody, leaves);
    if (leaves.length === 0) return;
    guardInteger(this, `${id} filter policy keys`, leaves.length, SNS.filterPolicyKeys);
    guardInteger(
      this,
      `${id} filter policy combinations`,
      leaves.reduce((product, n) => product * Math.max(n, 1), 1),
      SNS.filterPolicyCombinations,
    );
  }

  private alarm(id: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm {
    return thresholdAlarm(this, id, { description, metric, threshold: 1, action: this.alarmAction });
  }
}

/** Whether a queue is encrypted with the AWS managed key (alias/aws/sqs). */
function usesAwsManagedKey(queue: sqs.IQueue): boolean {
  if (queue instanceof sqs.Queue && queue.encryptionType === sqs.QueueEncryption.KMS_MANAGED) return true;
  const cfn = queue.node.defaultChild as sqs.CfnQueue | undefined;
  return typeof cfn?.kmsMasterKeyId === 'string' && cfn.kmsMasterKeyId === 'alias/aws/sqs';
}

/**
 * The combination factor of every leaf of a body policy: its number of values times the depth of its
 * key, as SNS counts combinations for nested keys ("Amazon SNS subscription filter policy constraints").
 */
function collectLeaves(policy: Record<string, sns.FilterOrPolicy>, leaves: number[], depth = 1): void {
  for (const value of Object.values(policy)) {
    if (value instanceof sns.Filter) leaves.push(value.filterDoc.conditions.length * depth);
    else if (value instanceof sns.Policy) collectLeaves(value.policyDoc, leaves, depth + 1);
  }
}

/** What a failure target of the app accepts at most, in bytes, from its resource; undefined when unknown. */
function acceptedBytes(stack: Stack, target: unknown): { what: string; bytes: number } | undefined {
  const resolved = stack.resolve(target) as { 'Fn::GetAtt'?: [string, string]; Ref?: string } | undefined;
  const logicalId = resolved?.['Fn::GetAtt']?.[0] ?? resolved?.Ref;
  if (typeof logicalId !== 'string') return undefined;
  for (const child of stack.node.findAll()) {
    if (!(child instanceof CfnElement) || stack.getLogicalId(child) !== logicalId) continue;
    if (child instanceof sqs.CfnQueue) {
      const size = child.maximumMessageSize;
      // An unset MaximumMessageSize is the service default, which is the maximum.
      return typeof size === 'number'
        ? { what: child.node.path, bytes: size }
        : { what: child.node.path, bytes: SQS.maxMessageSizeBytes.max };
    }
    if (child instanceof sns.CfnTopic) return { what: `${child.node.path} (an SNS topic)`, bytes: SNS.maxMessageSizeBytes };
    return undefined;
  }
  return undefined;
}

/** The one-line problems of a Lambda subscriber whose failure targets cannot take its largest records. */
function failureTargetProblems(topic: FanoutTopic, id: string, fn: lambda.IFunction): string[] {
  const stack = Stack.of(fn);
  const problems: string[] = [];
  const check = (prop: string, target: unknown, needed: number, what: string) => {
    const accepted = acceptedBytes(stack, target);
    if (accepted && accepted.bytes < needed) {
      problems.push(
        new PropError(
          topic,
          `${id}.function ${prop}`,
          `= ${accepted.what} accepts at most ${accepted.bytes} bytes, less than ${what} (${needed} bytes, FAILURE_RECORDS): such failures would be lost`,
        ).message,
      );
    }
  };
  const invokeConfig = fn.node.tryFindChild('EventInvokeConfig')?.node.defaultChild;
  if (invokeConfig instanceof lambda.CfnEventInvokeConfig) {
    const destinations = stack.resolve(invokeConfig.destinationConfig) as { onFailure?: { destination?: unknown } } | undefined;
    const onFailure = destinations?.onFailure?.destination;
    if (onFailure !== undefined) {
      check(
        'on-failure destination',
        onFailure,
        FAILURE_RECORDS.snsLambdaFailureRecordMaxBytes,
        `the on-failure record of a ${SNS.maxMessageSizeBytes}-byte notification`,
      );
    }
  }
  const cfnFunction = fn.node.defaultChild;
  if (cfnFunction instanceof lambda.CfnFunction) {
    const deadLetter = (stack.resolve(cfnFunction.deadLetterConfig) as { targetArn?: unknown } | undefined)?.targetArn;
    if (deadLetter !== undefined) {
      check(
        'dead-letter queue',
        deadLetter,
        FAILURE_RECORDS.snsEnvelopedMaxBytes,
        `the event of a ${SNS.maxMessageSizeBytes}-byte notification`,
      );
    }
  }
  return problems;
}
