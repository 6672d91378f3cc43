import { type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AsyncInvoker } from '../lambda/async-invoker';

/** An SNS subscription with protocol `lambda`. */
export interface SnsLambdaSpec {
  readonly logicalId: string;
  readonly topicArn: string;
  readonly subscriptionArn: string;
  /** Subscription attributes SNS evaluates (FilterPolicy, FilterPolicyScope), as strings. */
  readonly attributes: Record<string, string>;
}

interface Envelope {
  Type?: string;
  MessageId?: string;
  TopicArn?: string;
  Subject?: string;
  Message?: string;
  Timestamp?: string;
  SignatureVersion?: string;
  Signature?: string;
  SigningCertURL?: string;
  UnsubscribeURL?: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

/**
 * Delivers an SNS topic to a function: fauxqs delivers SNS to SQS only, so the runtime subscribes
 * an internal queue with the subscription's filter policy, and turns each delivery into the SNS
 * event Lambda receives, invoked asynchronously (one record per invocation, as SNS does).
 */
export class SnsLambdaSubscription {
  private readonly controller = new AbortController();
  private loop?: Promise<void>;

  public constructor(
    public readonly spec: SnsLambdaSpec,
    private readonly clients: { sqs: SQSClient; sns: SNSClient },
    private readonly invoker: AsyncInvoker,
    private readonly region: string,
    private readonly onError?: (error: Error) => void,
  ) {}

  /** Creates the internal queue and subscription, then starts delivering. */
  public async start(): Promise<void> {
    const fifo = this.spec.topicArn.endsWith('.fifo');
    const name = `local-sns-${this.spec.logicalId}`.slice(0, 70) + (fifo ? '.fifo' : '');
    const queue = await this.clients.sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'true' } : {} }),
    );
    await this.clients.sns.send(
      new SubscribeCommand({
        TopicArn: this.spec.topicArn,
        Protocol: 'sqs',
        Endpoint: `arn:aws:sqs:${this.region}:000000000000:${name}`,
        Attributes: { ...this.spec.attributes, RawMessageDelivery: 'false' },
      }),
    );
    this.loop = this.deliver(queue.QueueUrl as string);
  }

  public async stop(): Promise<void> {
    this.controller.abort();
    await this.loop?.catch(() => undefined);
  }

  private async deliver(queueUrl: string): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      try {
        const received = await this.clients.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
          { abortSignal: signal },
        );
        const messages = received.Messages ?? [];
        for (const message of messages) this.invoker.invoke(this.event(JSON.parse(message.Body ?? '{}') as Envelope));
        if (messages.length > 0) {
          await this.clients.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
        }
      } catch (error) {
        if (signal.aborted) return;
        this.onError?.(error as Error);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** The event Lambda receives from SNS. */
  private event(envelope: Envelope) {
    return {
      Records: [
        {
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          EventSubscriptionArn: this.spec.subscriptionArn,
          Sns: {
            Type: envelope.Type ?? 'Notification',
            MessageId: envelope.MessageId,
            TopicArn: envelope.TopicArn ?? this.spec.topicArn,
            Subject: envelope.Subject ?? null,
            Message: envelope.Message,
            Timestamp: envelope.Timestamp,
            SignatureVersion: envelope.SignatureVersion ?? '1',
            Signature: envelope.Signature ?? 'local',
            SigningCertUrl: envelope.SigningCertURL ?? '',
            UnsubscribeUrl: envelope.UnsubscribeURL ?? '',
            MessageAttributes: envelope.MessageAttributes ?? {},
          },
        },
      ],
    };
  }
}
