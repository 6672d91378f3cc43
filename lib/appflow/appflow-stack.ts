import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AlarmTopic } from '../shared/alarm-topic';
import type { ProfileSettings } from '../shared/profile';
import { SecureBucket } from '../shared/secure-bucket';
import { Filter } from './filter';
import { FlowRunNotifications } from './flow-run-notifications';
import { IngestionFlow } from './ingestion-flow';
import { Mapping } from './mapping';
import { S3Destination, S3Source } from './s3-endpoints';
import { SalesforceSource } from './salesforce-source';
import { SlackSource } from './slack-source';
import { Transform } from './transform';
import { FlowTrigger } from './trigger';
import { Validation, ValidationAction } from './validation';
import { ZendeskSource } from './zendesk-source';

/** Props of {@link AppFlowStack}. */
export interface AppFlowStackProps extends StackProps {
  /** The profile's settings. */
  readonly settings: ProfileSettings;
  /**
   * Address subscribed to the alarm topic.
   * @default - no e-mail subscription
   */
  readonly alarmEmail?: string;
  /**
   * AppFlow connection (connector profile) to Salesforce: adds the Salesforce-to-S3 event flow.
   * @default - no Salesforce flow
   */
  readonly salesforceConnection?: string;
  /**
   * AppFlow connection to Slack: adds the Slack-to-S3 scheduled flow (with `slackChannel`).
   * @default - no Slack flow
   */
  readonly slackConnection?: string;
  /**
   * The Slack channel id whose conversation the Slack flow transfers.
   * @default - required with slackConnection
   */
  readonly slackChannel?: string;
  /**
   * AppFlow connection to Zendesk: adds the Zendesk-to-S3 scheduled flow.
   * @default - no Zendesk flow
   */
  readonly zendeskConnection?: string;
}

/** The folder of the raw bucket the orders flow reads (the scenario and the guide put the sample there). */
export const ORDERS_SOURCE_PREFIX = 'orders';
/** The folder of the curated bucket the orders flow writes under. */
export const ORDERS_CURATED_PREFIX = 'curated/orders';
/** The folder of the curated bucket each SaaS flow writes under (`saas/<connector>`). */
export const SAAS_PREFIX = 'saas';
/** How often the Slack and Zendesk flows run. */
export const SAAS_SCHEDULE = 'rate(1hours)';

/**
 * The AppFlow ingestion pattern: a raw bucket (sample orders as JSON Lines) flows on demand into a
 * curated bucket, renamed, filtered, validated, masked and typed; with connections named in context,
 * Salesforce (on event), Slack and Zendesk (scheduled, active) flows into the same curated bucket.
 * Failed runs raise alarms through AppFlow's metrics and its end-of-run events.
 */
export class AppFlowStack extends Stack {
  public readonly alarms: AlarmTopic;
  public readonly raw: SecureBucket;
  public readonly curated: SecureBucket;
  public readonly orders: IngestionFlow;
  public readonly salesforce?: IngestionFlow;
  public readonly slack?: IngestionFlow;
  public readonly zendesk?: IngestionFlow;
  public readonly notifications: FlowRunNotifications;

  public constructor(scope: Construct, id: string, props: AppFlowStackProps) {
    super(scope, id, {
      description: 'decoupling-patterns: AppFlow ingestion (S3 to S3 with mapping, filters and validations; SaaS flows with a connection)',
      ...props,
    });
    const { settings } = props;
    const removalPolicy = settings.removalPolicy;
    this.alarms = new AlarmTopic(this, 'Alarms', { email: props.alarmEmail, removalPolicy });
    const alarmAction = this.alarms.action;
    const bucketProps = { removalPolicy, autoDeleteObjects: settings.autoDeleteObjects, expiration: Duration.days(30) };
    this.raw = new SecureBucket(this, 'Raw', bucketProps);
    this.curated = new SecureBucket(this, 'Curated', bucketProps);

    const field = (name: string, dataType = 'string') => ({ name, dataType });
    this.orders = new IngestionFlow(this, 'OrdersFlow', {
      description: 'Raw orders as JSON Lines to curated orders, shipped and delivered only, validated, card numbers masked',
      source: new S3Source({ bucket: this.raw.bucket, prefix: ORDERS_SOURCE_PREFIX, format: 'JSON' }),
      destination: new S3Destination({
        bucket: this.curated.bucket,
        prefix: ORDERS_CURATED_PREFIX,
        fileType: 'JSON',
        aggregation: { type: 'SingleFile' },
        prefixConfig: { type: 'PATH', format: 'DAY', hierarchy: ['EXECUTION_ID'] },
        preserveSourceDataTyping: true,
      }),
      filters: [Filter.equalTo(field('status'), ['shipped', 'delivered']), Filter.notEqualTo(field('country'), ['TEST'])],
      validations: [
        Validation.nonNull(field('order_id'), ValidationAction.TERMINATE_FLOW),
        Validation.nonNull(field('unit_price', 'double'), ValidationAction.DROP_RECORD),
        Validation.nonNegative(field('quantity', 'integer'), ValidationAction.DROP_RECORD),
      ],
      transforms: [Transform.maskFirst(field('card_number'), 12, '*'), Transform.truncate(field('note'), 20)],
      mappings: [
        Mapping.map(field('order_id'), field('orderId')),
        Mapping.map(field('customer_email'), field('customerEmail')),
        Mapping.map(field('status'), field('status')),
        Mapping.map(field('country'), field('countryCode')),
        Mapping.map(field('quantity', 'integer'), field('quantity', 'integer')),
        Mapping.arithmetic('MULTIPLICATION', field('quantity', 'integer'), field('unit_price', 'double'), field('lineTotal', 'double')),
        Mapping.map(field('card_number'), field('cardNumber')),
        Mapping.map(field('note'), field('note')),
      ],
      maxBytesPerRun: 1024 * 1024 * 1024,
      alarmAction,
    });

    const saasDestination = (connector: string) =>
      new S3Destination({
        bucket: this.curated.bucket,
        prefix: `${SAAS_PREFIX}/${connector}`,
        fileType: 'JSON',
        aggregation: { type: 'SingleFile' },
        prefixConfig: { type: 'PATH', format: 'DAY', hierarchy: ['EXECUTION_ID'] },
      });
    if (props.salesforceConnection) {
      this.salesforce = new IngestionFlow(this, 'SalesforceFlow', {
        description: 'Salesforce account change events to the curated bucket, as they happen',
        source: new SalesforceSource({ connectorProfileName: props.salesforceConnection, object: 'AccountChangeEvent' }),
        destination: saasDestination('salesforce'),
        trigger: FlowTrigger.onEvent(),
        mappings: [Mapping.mapAll()],
        alarmAction,
      });
    }
    if (props.slackConnection) {
      this.slack = new IngestionFlow(this, 'SlackFlow', {
        description: 'Slack channel conversation to the curated bucket, every hour',
        source: new SlackSource({ connectorProfileName: props.slackConnection, object: `conversations/${props.slackChannel}` }),
        destination: saasDestination('slack'),
        trigger: FlowTrigger.schedule({ expression: SAAS_SCHEDULE, dataPullMode: 'Incremental' }),
        mappings: [Mapping.mapAll()],
        alarmAction,
      });
    }
    if (props.zendeskConnection) {
      this.zendesk = new IngestionFlow(this, 'ZendeskFlow', {
        description: 'Zendesk tickets to the curated bucket, every hour',
        source: new ZendeskSource({ connectorProfileName: props.zendeskConnection, object: 'tickets' }),
        destination: saasDestination('zendesk'),
        trigger: FlowTrigger.schedule({ expression: SAAS_SCHEDULE, dataPullMode: 'Incremental' }),
        mappings: [Mapping.mapAll()],
        alarmAction,
      });
    }

    const flows = [this.orders, this.salesforce, this.slack, this.zendesk].filter((f): f is IngestionFlow => f !== undefined);
    this.notifications = new FlowRunNotifications(this, 'RunNotifications', {
      flows,
      removalPolicy,
      alarmAction,
      alarmTopic: this.alarms.topic,
    });

    const outputs: Record<string, string> = {
      AlarmTopicArn: this.alarms.topic.topicArn,
      RawBucketName: this.raw.bucket.bucketName,
      CuratedBucketName: this.curated.bucket.bucketName,
      OrdersFlowName: this.orders.flowName,
      OrdersSourcePrefix: ORDERS_SOURCE_PREFIX,
      OrdersCuratedPrefix: ORDERS_CURATED_PREFIX,
      FailedRunsQueueUrl: this.notifications.failedRuns.queue.queueUrl,
      UndeliveredRunReportsQueueUrl: this.notifications.undelivered.queue.queueUrl,
    };
    if (this.salesforce) outputs.SalesforceFlowName = this.salesforce.flowName;
    if (this.slack) outputs.SlackFlowName = this.slack.flowName;
    if (this.zendesk) outputs.ZendeskFlowName = this.zendesk.flowName;
    for (const [outputId, value] of Object.entries(outputs)) new CfnOutput(this, outputId, { value });
  }
}
