import type { S3ObjectEvent } from '../emulator';

/** One notification target of a bucket (Lambda, queue or topic), as the template configures it. */
export interface NotificationTarget {
  readonly kind: 'lambda' | 'sqs' | 'sns';
  readonly arn: string;
  readonly events: readonly string[];
  readonly prefix?: string;
  readonly suffix?: string;
  readonly configurationId: string;
}

/** Object facts the event needs; the runtime reads them from the emulator. */
export interface ObjectFacts {
  readonly size: number;
  readonly eTag: string;
}

type Rule = { Name: string; Value: string };
type Item = Record<string, unknown> & { Filter?: { Key?: { FilterRules?: Rule[] }; S3Key?: { Rules?: Rule[] } } };

function target(kind: NotificationTarget['kind'], item: Item, arn: unknown, events: string[], index: number): NotificationTarget {
  const rules = item.Filter?.Key?.FilterRules ?? item.Filter?.S3Key?.Rules ?? [];
  const rule = (name: string) => rules.find((r) => r.Name.toLowerCase() === name)?.Value;
  return {
    kind,
    arn: String(arn),
    events,
    prefix: rule('prefix'),
    suffix: rule('suffix'),
    configurationId: String(item.Id ?? `${kind}-${index}`),
  };
}

/** Targets of an S3 API NotificationConfiguration, the shape CDK's Custom::S3BucketNotifications carries. */
export function apiNotificationTargets(configuration: Record<string, unknown> | undefined): NotificationTarget[] {
  const list = (key: string) => (configuration?.[key] as Item[] | undefined) ?? [];
  return [
    ...list('LambdaFunctionConfigurations').map((c, i) => target('lambda', c, c.LambdaFunctionArn, c.Events as string[], i)),
    ...list('QueueConfigurations').map((c, i) => target('sqs', c, c.QueueArn, c.Events as string[], i)),
    ...list('TopicConfigurations').map((c, i) => target('sns', c, c.TopicArn, c.Events as string[], i)),
  ];
}

/** Targets of an AWS::S3::Bucket NotificationConfiguration property (CloudFormation's shape). */
export function templateNotificationTargets(configuration: Record<string, unknown> | undefined): NotificationTarget[] {
  const list = (key: string) => (configuration?.[key] as Item[] | undefined) ?? [];
  return [
    ...list('LambdaConfigurations').map((c, i) => target('lambda', c, c.Function, [String(c.Event)], i)),
    ...list('QueueConfigurations').map((c, i) => target('sqs', c, c.Queue, [String(c.Event)], i)),
    ...list('TopicConfigurations').map((c, i) => target('sns', c, c.Topic, [String(c.Event)], i)),
  ];
}

/** The S3 event name of an emulator event (`ObjectCreated:Put`, `ObjectRemoved:Delete`). */
export function eventName(event: S3ObjectEvent): string {
  return event.status === 'uploaded' ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete';
}

/** Whether a target wants this event: event type (with `*` wildcards) and key prefix/suffix filters. */
export function matches(target: NotificationTarget, event: S3ObjectEvent): boolean {
  const name = `s3:${eventName(event)}`;
  const typeOk = target.events.some((e) => e === name || (e.endsWith(':*') && name.startsWith(e.slice(0, -1))));
  return typeOk && (!target.prefix || event.key.startsWith(target.prefix)) && (!target.suffix || event.key.endsWith(target.suffix));
}

/** The S3 event notification record, as S3 sends it to Lambda, SQS and SNS. */
export function s3Event(event: S3ObjectEvent, target: NotificationTarget, facts: ObjectFacts | undefined, region: string) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: new Date(event.time).toISOString(),
        eventName: eventName(event),
        userIdentity: { principalId: 'local' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'local', 'x-amz-id-2': 'local' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: target.configurationId,
          bucket: { name: event.bucket, ownerIdentity: { principalId: 'local' }, arn: `arn:aws:s3:::${event.bucket}` },
          object: {
            key: encodeURIComponent(event.key).replace(/%2F/g, '/').replace(/%20/g, '+'),
            ...(facts ? { size: facts.size, eTag: facts.eTag } : {}),
            sequencer: event.time.toString(16).toUpperCase().padStart(16, '0'),
          },
        },
      },
    ],
  };
}
