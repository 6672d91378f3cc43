import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { type DeliveryCheck, snsCanUseQueueKey, snsMayInvoke } from '../delivery-checks';
import { SnsLambdaSubscription } from '../triggers/sns-lambda';
import { sharedFauxqs } from './fauxqs';
import type { LambdaService } from './lambda';
import type { Created, LocalService, ResourceInput, ServiceHost, ServiceModule, StackContext, StateTask } from './service';
import { type SqsService, stringAttributes } from './sqs';

interface PendingSubscription {
  readonly logicalId: string;
  readonly type: string;
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  readonly attributes: Record<string, string>;
}

/**
 * `AWS::SNS::Topic` and `AWS::SNS::Subscription` on fauxqs. Subscriptions are wired once every
 * resource of the stack exists, because whether SNS may deliver depends on keys and permissions: SQS
 * subscriptions with filter policy, raw delivery and redrive policy; Lambda subscriptions through an
 * internal queue with the same filter policy, invoked asynchronously. A subscription the template
 * does not allow SNS to deliver to is handled as AWS handles it (see `local/delivery-checks.ts`).
 * Deliveries to topic ARNs and the Step Functions `sns:publish` integration.
 */
export const snsService: ServiceModule = {
  name: 'sns',
  async start(host: ServiceHost): Promise<LocalService> {
    const fauxqs = await sharedFauxqs(host);
    const client = new SNSClient(host.clientConfig(fauxqs.endpoint));
    const pending = new Map<string, PendingSubscription[]>();
    const lambdaSubscriptions: SnsLambdaSubscription[] = [];
    const pendingOf = (stackName: string) => {
      const list = pending.get(stackName) ?? [];
      pending.set(stackName, list);
      return list;
    };

    const publish: StateTask = {
      matches: (resource) => resource === 'arn:aws:states:::sns:publish',
      async run(_resource, input) {
        const p = (input ?? {}) as Record<string, unknown>;
        const message = typeof p.Message === 'string' ? p.Message : JSON.stringify(p.Message);
        const sent = await client.send(
          new PublishCommand({ TopicArn: String(p.TopicArn), Message: message, Subject: p.Subject as string | undefined }),
        );
        return { MessageId: sent.MessageId };
      },
    };

    const createTopic = async (input: ResourceInput): Promise<Created> => {
      const fifo = String(input.prop('FifoTopic')) === 'true';
      const name = (input.prop('TopicName') as string | undefined) ?? `${input.physicalName}${fifo ? '.fifo' : ''}`;
      const attributes: Record<string, string> = {};
      for (const property of [
        'DisplayName',
        'FifoTopic',
        'ContentBasedDeduplication',
        'FifoThroughputScope',
        'KmsMasterKeyId',
        'SignatureVersion',
      ]) {
        const value = input.prop(property);
        if (value !== undefined) attributes[property] = String(value);
      }
      const result = await client.send(new CreateTopicCommand({ Name: name, Attributes: attributes }));
      const arn = result.TopicArn as string;
      const inline = (input.prop('Subscription') as Array<{ Protocol: string; Endpoint: string }> | undefined) ?? [];
      for (const [i, subscription] of inline.entries()) {
        pendingOf(input.stack.stackName).push({
          logicalId: `${input.logicalId}Subscription${i}`,
          type: input.resource.Type,
          topicArn: arn,
          protocol: subscription.Protocol,
          endpoint: subscription.Endpoint,
          attributes: {},
        });
      }
      return { ref: arn, attributes: { TopicArn: arn, TopicName: name } };
    };

    const createSubscription = (input: ResourceInput): Created => {
      const attributes: Record<string, string> = {};
      for (const key of ['RawMessageDelivery', 'FilterPolicy', 'FilterPolicyScope', 'RedrivePolicy']) {
        const value = input.prop(key);
        if (value !== undefined) attributes[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
      }
      const topicArn = String(input.prop('TopicArn'));
      pendingOf(input.stack.stackName).push({
        logicalId: input.logicalId,
        type: input.resource.Type,
        topicArn,
        protocol: String(input.prop('Protocol')),
        endpoint: String(input.prop('Endpoint')),
        attributes,
      });
      return { ref: `${topicArn}:${input.logicalId}`, attributes: {} };
    };

    /** Whether SNS may deliver to the subscription's endpoint, as the template's keys and permissions decide. */
    const check = (stack: StackContext, subscription: PendingSubscription): DeliveryCheck => {
      const resolver = (value: unknown, where: string) => stack.resolve(value, `${stack.stackName}: ${where}`);
      if (subscription.protocol === 'sqs') {
        const queue = host.service<SqsService>('sqs').queueOf(subscription.endpoint);
        if (queue?.stackName === stack.stackName)
          return snsCanUseQueueKey(stack.template, queue.logicalId, subscription.topicArn, host.accountId, resolver);
      } else if (subscription.protocol === 'lambda') {
        const fn = host.service<LambdaService>('lambda').functionByRef(subscription.endpoint);
        if (fn)
          return snsMayInvoke(
            stack.template,
            [fn.spec.functionName, fn.spec.functionArn],
            fn.spec.logicalId,
            subscription.topicArn,
            resolver,
          );
      }
      return { ok: true };
    };

    const subscribe = async (stack: StackContext, subscription: PendingSubscription): Promise<void> => {
      const { logicalId, topicArn, protocol, endpoint, attributes } = subscription;
      if (protocol === 'sqs') {
        await client.send(
          new SubscribeCommand({
            TopicArn: topicArn,
            Protocol: 'sqs',
            Endpoint: endpoint,
            Attributes: attributes,
            ReturnSubscriptionArn: true,
          }),
        );
        return;
      }
      if (protocol === 'lambda') {
        const lambdaSubscription = new SnsLambdaSubscription(
          {
            logicalId,
            topicArn,
            subscriptionArn: `${topicArn}:${logicalId}`,
            attributes: Object.fromEntries(Object.entries(attributes).filter(([k]) => k.startsWith('Filter'))),
          },
          { sqs: host.service<SqsService>('sqs').client, sns: client },
          host.service<LambdaService>('lambda').invoker(endpoint),
          host.region,
          (error) => host.onError(error),
        );
        await lambdaSubscription.start();
        lambdaSubscriptions.push(lambdaSubscription);
        return;
      }
      stack.list(logicalId, subscription.type, `${protocol} subscription: not delivered locally`);
    };

    return {
      name: 'sns',
      resourceTypes: ['AWS::SNS::Topic', 'AWS::SNS::Subscription'],
      endpoint: fauxqs.endpoint,
      endpointVariable: 'SNS',
      stateTasks: [publish],
      async create(input) {
        return input.resource.Type === 'AWS::SNS::Topic' ? createTopic(input) : createSubscription(input);
      },

      async wire(stack) {
        for (const subscription of pending.get(stack.stackName) ?? []) {
          const verdict = check(stack, subscription);
          if (verdict.ok) {
            await subscribe(stack, subscription);
            continue;
          }
          // As on AWS: SNS cannot deliver, so each delivery goes to the subscription's dead-letter
          // queue, or is lost when it has none.
          const { RedrivePolicy, ...rest } = subscription.attributes;
          const deadLetterArn = (JSON.parse(RedrivePolicy ?? '{}') as { deadLetterTargetArn?: string }).deadLetterTargetArn;
          if (deadLetterArn)
            await subscribe(stack, {
              ...subscription,
              protocol: 'sqs',
              endpoint: deadLetterArn,
              attributes: { ...rest, RawMessageDelivery: 'false' },
            });
          host.reportDeliveryProblem({
            stackName: stack.stackName,
            logicalId: subscription.logicalId,
            reason: verdict.reason as string,
            outcome: deadLetterArn
              ? `deliveries go to its dead-letter queue ${deadLetterArn}`
              : 'deliveries are dropped (no dead-letter queue)',
          });
        }
        pending.delete(stack.stackName);
      },

      owns: (arn) => arn.startsWith('arn:aws:sns:'),
      async deliver(arn, payload) {
        await client.send(
          new PublishCommand({ TopicArn: arn, Message: payload.body, MessageAttributes: stringAttributes(payload.attributes) }),
        );
      },

      async drain() {
        await Promise.allSettled(lambdaSubscriptions.map((s) => s.stop()));
      },
      async stop() {
        client.destroy();
      },
    };
  },
};
