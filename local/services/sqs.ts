import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SqsEventSource } from '../triggers/sqs-event-source';
import { sharedFauxqs } from './fauxqs';
import type { Created, LocalService, Payload, ResourceInput, ServiceHost, ServiceModule, StateTask } from './service';

/** The SQS service of the local runtime (queues on fauxqs), as other services see it. */
export interface SqsService extends LocalService {
  /** The SDK client every local SQS call goes through. */
  readonly client: SQSClient;
  /** The local URL of a queue of the templates, by ARN. */
  queueUrl(arn: string): string | undefined;
  /** The `<stack>`/logical id of a queue of the templates, by ARN. */
  queueOf(arn: string): { readonly stackName: string; readonly logicalId: string } | undefined;
}

/** String message attributes in the shape SendMessage takes. */
export function stringAttributes(attributes: Payload['attributes']) {
  return Object.fromEntries(Object.entries(attributes ?? {}).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]));
}

/**
 * `AWS::SQS::Queue` on fauxqs with every attribute of the template; deliveries to queue ARNs; SQS
 * event source mappings; the Step Functions `sqs:sendMessage` integration.
 */
export const sqsService: ServiceModule = {
  name: 'sqs',
  async start(host: ServiceHost): Promise<SqsService> {
    const fauxqs = await sharedFauxqs(host);
    const client = new SQSClient(host.clientConfig(fauxqs.endpoint));
    const urls = new Map<string, string>();
    const owners = new Map<string, { stackName: string; logicalId: string }>();

    const sendMessage: StateTask = {
      matches: (resource) => resource === 'arn:aws:states:::sqs:sendMessage',
      async run(_resource, input) {
        const p = (input ?? {}) as Record<string, unknown>;
        const body = typeof p.MessageBody === 'string' ? p.MessageBody : JSON.stringify(p.MessageBody);
        const sent = await client.send(
          new SendMessageCommand({
            QueueUrl: String(p.QueueUrl),
            MessageBody: body,
            MessageGroupId: p.MessageGroupId as string | undefined,
            MessageDeduplicationId: p.MessageDeduplicationId as string | undefined,
            DelaySeconds: p.DelaySeconds as number | undefined,
          }),
        );
        return { MessageId: sent.MessageId, MD5OfMessageBody: sent.MD5OfMessageBody };
      },
    };

    return {
      name: 'sqs',
      resourceTypes: ['AWS::SQS::Queue'],
      endpoint: fauxqs.endpoint,
      endpointVariable: 'SQS',
      client,
      stateTasks: [sendMessage],
      queueUrl: (arn) => urls.get(arn),
      queueOf: (arn) => owners.get(arn),

      async create(input: ResourceInput): Promise<Created> {
        const { resource, physicalName } = input;
        const fifo = String(input.prop('FifoQueue')) === 'true';
        const name = (input.prop('QueueName') as string | undefined) ?? `${physicalName.slice(0, fifo ? 75 : 80)}${fifo ? '.fifo' : ''}`;
        const attributes: Record<string, string> = {};
        for (const key of Object.keys(resource.Properties ?? {})) {
          if (key === 'QueueName' || key === 'Tags') continue;
          const value = input.prop(key);
          if (value !== undefined) attributes[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
        }
        const result = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
        const url = result.QueueUrl as string;
        const arn = `arn:aws:sqs:${host.region}:${host.accountId}:${name}`;
        urls.set(arn, url);
        owners.set(arn, { stackName: input.stack.stackName, logicalId: input.logicalId });
        return { ref: url, attributes: { Arn: arn, QueueName: name, QueueUrl: url } };
      },

      owns: (arn) => arn.startsWith('arn:aws:sqs:'),
      async deliver(arn, payload) {
        const queueUrl = urls.get(arn);
        if (!queueUrl) throw new Error(`delivery target ${arn} is not a local queue`);
        await client.send(
          new SendMessageCommand({
            QueueUrl: queueUrl,
            MessageBody: payload.body,
            MessageAttributes: stringAttributes(payload.attributes),
          }),
        );
      },

      eventSource(settings, invoke) {
        const queueUrl = urls.get(settings.sourceArn);
        if (!queueUrl) return undefined;
        settings.refuse(['FilterCriteria', 'DestinationConfig', 'ProvisionedPollerConfig', 'StartingPosition']);
        const p = settings.properties;
        const scaling = p.ScalingConfig as { MaximumConcurrency?: number } | undefined;
        return new SqsEventSource(
          {
            logicalId: settings.logicalId,
            queueUrl,
            queueArn: settings.sourceArn,
            fifo: settings.sourceArn.endsWith('.fifo'),
            batchSize: Number(p.BatchSize ?? 10),
            maxBatchingWindowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
            maxConcurrency: Number(scaling?.MaximumConcurrency ?? host.settings.defaultMaxConcurrency),
            reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
            enabled: p.Enabled !== false && p.Enabled !== 'false',
          },
          client,
          invoke,
          { retryDelaySeconds: host.settings.retryDelaySeconds, region: host.region, onError: (e) => host.onError(e) },
        );
      },

      async stop() {
        client.destroy();
      },
    };
  },
};
