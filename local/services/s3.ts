import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3ObjectEvent } from '../emulator';
import {
  apiNotificationTargets,
  matches,
  type NotificationTarget,
  s3Event,
  templateNotificationTargets,
} from '../triggers/s3-notifications';
import { sharedFauxqs } from './fauxqs';
import type { LambdaService } from './lambda';
import type { Created, LocalService, ResourceInput, ServiceHost, ServiceModule } from './service';

/** A valid S3 bucket name derived from a physical name. */
function bucketName(physical: string): string {
  return physical
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}

/**
 * `AWS::S3::Bucket` on fauxqs, and S3 event notifications (the bucket's own configuration and CDK's
 * `Custom::S3BucketNotifications`): fauxqs reports object events, this service turns them into S3
 * event records for Lambda (asynchronous invocation), SQS and SNS targets, filtered by event type,
 * prefix and suffix.
 */
export const s3Service: ServiceModule = {
  name: 's3',
  async start(host: ServiceHost): Promise<LocalService> {
    const fauxqs = await sharedFauxqs(host);
    const client = new S3Client(host.clientConfig(fauxqs.s3Endpoint));
    const notifications = new Map<string, NotificationTarget[]>();
    const addTargets = (bucket: string, targets: NotificationTarget[]) => {
      if (targets.length > 0) notifications.set(bucket, [...(notifications.get(bucket) ?? []), ...targets]);
    };

    const onEvent = async (event: S3ObjectEvent) => {
      for (const target of notifications.get(event.bucket) ?? []) {
        if (!matches(target, event)) continue;
        let facts: { size: number; eTag: string } | undefined;
        if (event.status === 'uploaded') {
          const head = await client.send(new HeadObjectCommand({ Bucket: event.bucket, Key: event.key })).catch(() => undefined);
          if (head) facts = { size: Number(head.ContentLength ?? 0), eTag: String(head.ETag ?? '').replace(/"/g, '') };
        }
        const record = s3Event(event, target, facts, host.region);
        if (target.kind === 'lambda') host.service<LambdaService>('lambda').invoker(target.arn).invoke(record);
        else await host.deliver(target.arn, { body: JSON.stringify(record) });
      }
    };
    const listener = (event: S3ObjectEvent) => void onEvent(event).catch((error: Error) => host.onError(error));
    fauxqs.events.on('s3', listener);

    const createBucket = async (input: ResourceInput): Promise<Created> => {
      const name = (input.prop('BucketName') as string | undefined) ?? bucketName(input.physicalName);
      await client.send(new CreateBucketCommand({ Bucket: name }));
      addTargets(name, templateNotificationTargets(input.prop('NotificationConfiguration') as Record<string, unknown> | undefined));
      const { region } = host;
      return {
        ref: name,
        attributes: {
          Arn: `arn:aws:s3:::${name}`,
          DomainName: `${name}.s3.amazonaws.com`,
          RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
          DualStackDomainName: `${name}.s3.dualstack.${region}.amazonaws.com`,
          WebsiteURL: `http://${name}.s3-website-${region}.amazonaws.com`,
        },
      };
    };

    return {
      name: 's3',
      resourceTypes: ['AWS::S3::Bucket', 'Custom::S3BucketNotifications'],
      endpoint: fauxqs.s3Endpoint,
      endpointVariable: 'S3',
      async create(input) {
        if (input.resource.Type === 'AWS::S3::Bucket') return createBucket(input);
        addTargets(
          String(input.prop('BucketName')),
          apiNotificationTargets(input.prop('NotificationConfiguration') as Record<string, unknown>),
        );
        return { ref: `${input.physicalName}-notifications`, attributes: {} };
      },
      async drain() {
        fauxqs.events.off('s3', listener);
      },
      async stop() {
        client.destroy();
      },
    };
  },
};
