import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type DeliveryCheck, snsCanUseQueueKey, snsMayInvoke } from './delivery-checks';
import { startDynamoDb } from './dynamodb/server';
import { type S3ObjectEvent, startFauxqs } from './emulator';
import { type ResolveContext, resolve } from './intrinsics';
import { AsyncInvoker, type Deliver } from './lambda/async-invoker';
import { type FunctionSpec, LocalFunction } from './lambda/local-function';
import { resolveLocalhostNames } from './localhost-dns';
import { startLogs } from './logs-server';
import { type StateMachineSpec, startStepFunctions, TaskError, unsupportedFeature } from './stepfunctions';
import { creationOrder, type Template, type TemplateResource } from './template';
import {
  apiNotificationTargets,
  matches,
  type NotificationTarget,
  s3Event,
  templateNotificationTargets,
} from './triggers/s3-notifications';
import { SnsLambdaSubscription } from './triggers/sns-lambda';
import { SqsEventSource } from './triggers/sqs-event-source';

/** The account id of every local ARN (fauxqs's fixed account). */
export const LOCAL_ACCOUNT_ID = '000000000000';
/** The region of every local ARN and endpoint. */
export const LOCAL_REGION = 'us-east-1';

/** One stack of a cloud assembly: its name, template, and the folder its assets are in. */
export interface StackInput {
  readonly stackName: string;
  readonly template: Template;
  /** The cloud assembly folder (assets are `asset.<hash>` folders in it). */
  readonly assemblyDir: string;
}

/** Options of {@link startLocalRuntime}. */
export interface LocalRuntimeOptions {
  /** The stacks to run. */
  readonly stacks: readonly StackInput[];
  /**
   * Seconds before failed work is retried: a failed SQS record is visible again (AWS: the queue's
   * visibility timeout), an asynchronous invocation is attempted again (AWS: about 1 and 2 minutes).
   * @default 0
   */
  readonly retryDelaySeconds?: number;
  /**
   * Concurrent pollers per SQS event source when the template sets no maximum concurrency.
   * @default 5
   */
  readonly defaultMaxConcurrency?: number;
  /** Receives every line a function logs. */
  readonly onLog?: (functionName: string, line: string) => void;
  /** Receives background errors (a poller that could not reach the emulator). */
  readonly onError?: (error: Error) => void;
}

/** A resource the runtime does not emulate, and why. */
export interface NotEmulated {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly reason: string;
}

/** The endpoints and credentials that SDK v3 clients need to reach the local runtime. */
export interface LocalEndpoints {
  readonly region: string;
  readonly sqs: string;
  readonly sns: string;
  readonly s3: string;
  readonly dynamodb: string;
  readonly logs: string;
  readonly sfn: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** A running local environment. */
export interface LocalRuntime {
  readonly endpoints: LocalEndpoints;
  /** Resources listed by logical id and type, with the reason they are not emulated. */
  readonly notEmulated: readonly NotEmulated[];
  /** The stack's outputs, resolved to local names, URLs and ARNs. */
  outputs(stackName: string): Record<string, string>;
  /** The local functions by `<stack>/<logicalId>`. */
  readonly functions: ReadonlyMap<string, LocalFunction>;
  /** The asynchronous invokers (S3, SNS and destination targets) by `<stack>/<logicalId>` of the function. */
  readonly asyncInvokers: ReadonlyMap<string, AsyncInvoker>;
  /** The SQS event source mappings by `<stack>/<logicalId>`. */
  readonly eventSources: ReadonlyMap<string, SqsEventSource>;
  /** Every line the functions logged, in order. */
  readonly logs: ReadonlyArray<{ readonly functionName: string; readonly line: string }>;
  /** Subscriptions SNS cannot deliver to (a key or permission that does not allow it), and what happens instead. */
  readonly deliveryProblems: readonly DeliveryProblem[];
  stop(): Promise<void>;
}

/** A subscription SNS cannot deliver to, found from the template's keys and permissions. */
export interface DeliveryProblem {
  readonly stackName: string;
  readonly logicalId: string;
  readonly reason: string;
  readonly outcome: string;
}

interface PendingSubscription {
  readonly logicalId: string;
  readonly type: string;
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  readonly attributes: Record<string, string>;
}

interface Created {
  readonly ref: string;
  readonly attributes: Record<string, unknown>;
}

const SECURITY_TYPES = new Set([
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::KMS::Key',
  'AWS::KMS::Alias',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::S3::BucketPolicy',
  'AWS::Lambda::Permission',
]);
const OBSERVABILITY_TYPES = new Set([
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::Logs::LogGroup',
  'AWS::EC2::FlowLog',
  'AWS::XRay::Group',
]);
const FRAMEWORK_TYPES = new Set(['Custom::S3AutoDeleteObjects', 'Custom::VpcRestrictDefaultSG', 'Custom::LogRetention']);

/** Why a resource type is not emulated. */
export function notEmulatedReason(type: string): string {
  if (SECURITY_TYPES.has(type)) return 'security policy or key: accepted, not enforced locally';
  if (OBSERVABILITY_TYPES.has(type)) return 'observability: not emulated (function logs are served by the local CloudWatch Logs endpoint)';
  if (FRAMEWORK_TYPES.has(type)) return 'CDK custom resource for deployment housekeeping: nothing to do locally';
  if (type === 'AWS::CDK::Metadata') return 'CDK metadata: nothing to run';
  return 'not emulated by the local runtime';
}

/** Reads the stacks of a synthesized cloud assembly folder (manifest.json and templates). */
export function readAssembly(assemblyDir: string): StackInput[] {
  const manifest = JSON.parse(readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
  };
  return Object.entries(manifest.artifacts)
    .filter(([, a]) => a.type === 'aws:cloudformation:stack')
    .map(([id, a]) => ({
      stackName: a.properties?.stackName ?? id,
      template: JSON.parse(readFileSync(path.join(assemblyDir, a.properties?.templateFile ?? `${id}.template.json`), 'utf8')) as Template,
      assemblyDir,
    }));
}

/**
 * Starts a local environment for the stacks of a synthesized cloud assembly: SQS, SNS and S3 on
 * fauxqs (a child process bound to loopback), DynamoDB tables on an in-process emulator, Lambda
 * functions from their bundled assets in worker threads, SQS event source mappings, SNS and S3
 * triggers, Step Functions state machines on aws-local-stepfunctions, and the functions' logs behind
 * a CloudWatch Logs endpoint. Every resource it does not emulate is listed in `notEmulated`; an
 * expression it cannot resolve is an error naming the resource and the expression.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  resolveLocalhostNames();
  const machines: StateMachineSpec[] = [];
  // Declared before the runtime starts so that every function's environment names its endpoint.
  let runTask: (resource: string, input: unknown) => Promise<unknown> = async () => undefined;
  const [fauxqs, dynamodb, logStore, stepFunctions] = await Promise.all([
    startFauxqs({ region: LOCAL_REGION }),
    startDynamoDb({ region: LOCAL_REGION }),
    startLogs(),
    startStepFunctions(machines, (resource, input) => runTask(resource, input) as never, LOCAL_REGION),
  ]);
  const region = fauxqs.region;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const retryDelaySeconds = options.retryDelaySeconds ?? 0;
  const endpoints: LocalEndpoints = {
    region,
    sqs: fauxqs.endpoint,
    sns: fauxqs.endpoint,
    s3: fauxqs.s3Endpoint,
    dynamodb: dynamodb.endpoint,
    logs: logStore.endpoint,
    sfn: stepFunctions.endpoint,
    credentials,
  };
  const clientConfig = (endpoint: string) => ({ region, endpoint, credentials });
  const sqs = new SQSClient(clientConfig(endpoints.sqs));
  const sns = new SNSClient(clientConfig(endpoints.sns));
  const s3 = new S3Client(clientConfig(endpoints.s3));
  const ddb = new DynamoDBClient(clientConfig(endpoints.dynamodb));

  const logs: Array<{ functionName: string; line: string }> = [];
  const functions = new Map<string, LocalFunction>();
  // Functions by name and by ARN, and the `<stack>/<logicalId>` key each is known by.
  const functionsByRef = new Map<string, LocalFunction>();
  const functionKeys = new Map<LocalFunction, string>();
  const asyncInvokers = new Map<string, AsyncInvoker>();
  const eventSources = new Map<string, SqsEventSource>();
  const snsLambdas: SnsLambdaSubscription[] = [];
  const notifications = new Map<string, NotificationTarget[]>();
  const queuesByArn = new Map<string, string>();
  const notEmulated: NotEmulated[] = [];
  const deliveryProblems: DeliveryProblem[] = [];
  const outputs = new Map<string, Record<string, string>>();
  const nodePath = path.join(__dirname, '..', 'node_modules');

  const awsEnvironment = (): Record<string, string> => ({
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_SNS: endpoints.sns,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: endpoints.logs,
    AWS_ENDPOINT_URL_SFN: endpoints.sfn,
  });

  /** Sends a payload to an ARN: SQS queue, SNS topic or Lambda function (asynchronously). */
  const deliver: Deliver = async (arn, payload) => {
    const attributes = Object.fromEntries(
      Object.entries(payload.attributes ?? {}).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
    );
    if (arn.startsWith('arn:aws:sqs:')) {
      const queueUrl = queuesByArn.get(arn);
      if (!queueUrl) throw new Error(`delivery target ${arn} is not a local queue`);
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: payload.body, MessageAttributes: attributes }));
    } else if (arn.startsWith('arn:aws:sns:')) {
      await sns.send(new PublishCommand({ TopicArn: arn, Message: payload.body, MessageAttributes: attributes }));
    } else if (arn.startsWith('arn:aws:lambda:')) {
      const invoker = invokerFor(arn);
      invoker.invoke(JSON.parse(payload.body));
    } else throw new Error(`delivery target ${arn} is not emulated locally`);
  };

  const invokerFor = (functionRefOrArn: string): AsyncInvoker => {
    const fn = functionsByRef.get(functionRefOrArn);
    if (!fn) throw new Error(`function ${functionRefOrArn} is not emulated locally`);
    const key = functionKeys.get(fn) as string;
    let invoker = asyncInvokers.get(key);
    if (!invoker) {
      invoker = new AsyncInvoker(fn, { maxRetries: 2, deadLetterArn: fn.spec.deadLetterArn }, deliver, retryDelaySeconds, options.onError);
      asyncInvokers.set(key, invoker);
    }
    return invoker;
  };

  /** Runs one Task state of a state machine on the local functions and emulators. */
  runTask = async (resource: string, input: unknown): Promise<never> => {
    const lambdaInvoke = async (functionRef: string, payload: unknown) => {
      const fn = functionsByRef.get(functionRef.replace(/:\$LATEST$/, ''));
      if (!fn) throw new TaskError('Lambda.ResourceNotFoundException', `Function not found: ${functionRef}`);
      const outcome = await fn.invoke(payload);
      if (!outcome.ok) throw new TaskError(outcome.error.errorType, outcome.error.errorMessage);
      return outcome.result;
    };
    const p = (input ?? {}) as Record<string, unknown>;
    if (resource === 'arn:aws:states:::lambda:invoke') {
      const result = await lambdaInvoke(String(p.FunctionName), p.Payload);
      return { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 } as never;
    }
    if (resource.startsWith('arn:aws:lambda:')) return (await lambdaInvoke(resource, input)) as never;
    if (resource === 'arn:aws:states:::sqs:sendMessage') {
      const body = typeof p.MessageBody === 'string' ? p.MessageBody : JSON.stringify(p.MessageBody);
      const sent = await sqs.send(
        new SendMessageCommand({
          QueueUrl: String(p.QueueUrl),
          MessageBody: body,
          MessageGroupId: p.MessageGroupId as string | undefined,
          MessageDeduplicationId: p.MessageDeduplicationId as string | undefined,
          DelaySeconds: p.DelaySeconds as number | undefined,
        }),
      );
      return { MessageId: sent.MessageId, MD5OfMessageBody: sent.MD5OfMessageBody } as never;
    }
    if (resource === 'arn:aws:states:::sns:publish') {
      const message = typeof p.Message === 'string' ? p.Message : JSON.stringify(p.Message);
      const sent = await sns.send(
        new PublishCommand({ TopicArn: String(p.TopicArn), Message: message, Subject: p.Subject as string | undefined }),
      );
      return { MessageId: sent.MessageId } as never;
    }
    const dynamo = /^arn:aws:states:::dynamodb:(getItem|putItem|updateItem|deleteItem)$/.exec(resource);
    if (dynamo) {
      const { GetItemCommand, PutItemCommand, UpdateItemCommand, DeleteItemCommand } = await import('@aws-sdk/client-dynamodb');
      const commands = { getItem: GetItemCommand, putItem: PutItemCommand, updateItem: UpdateItemCommand, deleteItem: DeleteItemCommand };
      const Command = commands[dynamo[1] as keyof typeof commands] as new (input: unknown) => Parameters<typeof ddb.send>[0];
      const { $metadata: _, ...result } = (await ddb.send(new Command(p))) as unknown as Record<string, unknown>;
      return result as never;
    }
    throw new TaskError('States.Runtime', `${resource} is not emulated by the local runtime`);
  };
  const supportedTask = (resource: string) =>
    resource === 'arn:aws:states:::lambda:invoke' ||
    resource.startsWith('arn:aws:lambda:') ||
    resource === 'arn:aws:states:::sqs:sendMessage' ||
    resource === 'arn:aws:states:::sns:publish' ||
    /^arn:aws:states:::dynamodb:(getItem|putItem|updateItem|deleteItem)$/.test(resource);

  const onS3Event = async (event: S3ObjectEvent) => {
    for (const target of notifications.get(event.bucket) ?? []) {
      if (!matches(target, event)) continue;
      let facts: { size: number; eTag: string } | undefined;
      if (event.status === 'uploaded') {
        const head = await s3.send(new HeadObjectCommand({ Bucket: event.bucket, Key: event.key })).catch(() => undefined);
        if (head) facts = { size: Number(head.ContentLength ?? 0), eTag: String(head.ETag ?? '').replace(/"/g, '') };
      }
      const record = s3Event(event, target, facts, region);
      if (target.kind === 'lambda') invokerFor(target.arn).invoke(record);
      else await deliver(target.arn, { body: JSON.stringify(record) });
    }
  };
  const s3Listener = (event: S3ObjectEvent) => void onS3Event(event).catch((error: Error) => options.onError?.(error));
  fauxqs.events.on('s3', s3Listener);

  const stopAll = async (): Promise<void> => {
    fauxqs.events.off('s3', s3Listener);
    await Promise.allSettled([...eventSources.values()].map((e) => e.stop()));
    await Promise.allSettled(snsLambdas.map((s) => s.stop()));
    await Promise.allSettled([...asyncInvokers.values()].map((i) => i.idle()));
    await stepFunctions.stop();
    await Promise.allSettled([...functions.values()].map((f) => f.stop()));
    for (const client of [sqs, sns, s3, ddb]) client.destroy();
    await Promise.allSettled([fauxqs.stop(), dynamodb.stop(), logStore.stop()]);
  };

  try {
    for (const stack of options.stacks) {
      const created = new Map<string, Created>();
      const pending: PendingSubscription[] = [];
      const queueIds = new Map<string, string>();
      const { template, stackName } = stack;
      const ctx: ResolveContext = {
        region,
        accountId: LOCAL_ACCOUNT_ID,
        partition: 'aws',
        stackName,
        stackId: `arn:aws:cloudformation:${region}:${LOCAL_ACCOUNT_ID}:stack/${stackName}/local`,
        urlSuffix: 'amazonaws.com',
        mappings: template.Mappings,
        ref: (id) => created.get(id)?.ref,
        getAtt: (id, attribute) => created.get(id)?.attributes[attribute],
        parameter: (name) => template.Parameters?.[name]?.Default,
        typeOf: (id) => template.Resources[id]?.Type,
      };
      const at = (logicalId: string, property: string) => `${stackName}: Resources.${logicalId}.Properties.${property}`;
      const list = (logicalId: string, type: string, reason?: string) =>
        notEmulated.push({ stackName, logicalId, type, reason: reason ?? notEmulatedReason(type) });
      const unsupported = (logicalId: string, resource: TemplateResource, names: string[]) => {
        for (const name of names) {
          if (resource.Properties?.[name] !== undefined) {
            throw new Error(`${stackName}: ${logicalId} (${resource.Type}) uses ${name}, which the local runtime does not emulate`);
          }
        }
      };

      for (const logicalId of creationOrder(template)) {
        const resource = template.Resources[logicalId];
        const prop = (name: string): unknown =>
          resource.Properties?.[name] === undefined ? undefined : resolve(resource.Properties[name], ctx, at(logicalId, name));
        const physical = physicalName(stackName, logicalId);
        if (resource.Type === 'AWS::CDK::Metadata') {
          list(logicalId, resource.Type);
          continue;
        }
        if (resource.Condition) throw new Error(`${stackName}: ${logicalId} has a Condition, which the local runtime does not evaluate`);
        switch (resource.Type) {
          case 'AWS::SQS::Queue': {
            const fifo = String(prop('FifoQueue')) === 'true';
            const name = (prop('QueueName') as string | undefined) ?? `${physical.slice(0, fifo ? 75 : 80)}${fifo ? '.fifo' : ''}`;
            const attributes: Record<string, string> = {};
            for (const key of Object.keys(resource.Properties ?? {})) {
              if (key === 'QueueName' || key === 'Tags') continue;
              const value = prop(key);
              if (value !== undefined) attributes[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
            }
            const result = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
            const arn = `arn:aws:sqs:${region}:${LOCAL_ACCOUNT_ID}:${name}`;
            queuesByArn.set(arn, result.QueueUrl as string);
            queueIds.set(arn, logicalId);
            created.set(logicalId, {
              ref: result.QueueUrl as string,
              attributes: { Arn: arn, QueueName: name, QueueUrl: result.QueueUrl },
            });
            break;
          }
          case 'AWS::SNS::Topic': {
            const fifo = String(prop('FifoTopic')) === 'true';
            const name = (prop('TopicName') as string | undefined) ?? `${physical}${fifo ? '.fifo' : ''}`;
            const attributes: Record<string, string> = {};
            for (const [property, attribute] of [
              ['DisplayName', 'DisplayName'],
              ['FifoTopic', 'FifoTopic'],
              ['ContentBasedDeduplication', 'ContentBasedDeduplication'],
              ['KmsMasterKeyId', 'KmsMasterKeyId'],
              ['SignatureVersion', 'SignatureVersion'],
            ]) {
              const value = prop(property);
              if (value !== undefined) attributes[attribute] = String(value);
            }
            const result = await sns.send(new CreateTopicCommand({ Name: name, Attributes: attributes }));
            const arn = result.TopicArn as string;
            created.set(logicalId, { ref: arn, attributes: { TopicArn: arn, TopicName: name } });
            for (const [i, subscription] of (
              (prop('Subscription') as Array<{ Protocol: string; Endpoint: string }> | undefined) ?? []
            ).entries()) {
              pending.push({
                logicalId: `${logicalId}Subscription${i}`,
                type: resource.Type,
                topicArn: arn,
                protocol: subscription.Protocol,
                endpoint: subscription.Endpoint,
                attributes: {},
              });
            }
            break;
          }
          case 'AWS::SNS::Subscription': {
            const attributes: Record<string, string> = {};
            for (const key of ['RawMessageDelivery', 'FilterPolicy', 'FilterPolicyScope', 'RedrivePolicy']) {
              const value = prop(key);
              if (value !== undefined) attributes[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
            }
            // Wired after every resource exists: whether SNS may deliver depends on keys and permissions.
            const topicArn = String(prop('TopicArn'));
            pending.push({
              logicalId,
              type: resource.Type,
              topicArn,
              protocol: String(prop('Protocol')),
              endpoint: String(prop('Endpoint')),
              attributes,
            });
            created.set(logicalId, { ref: `${topicArn}:${logicalId}`, attributes: {} });
            break;
          }
          case 'AWS::S3::Bucket': {
            const name = (prop('BucketName') as string | undefined) ?? bucketName(physical);
            await s3.send(new CreateBucketCommand({ Bucket: name }));
            const targets = templateNotificationTargets(prop('NotificationConfiguration') as Record<string, unknown> | undefined);
            if (targets.length > 0) notifications.set(name, [...(notifications.get(name) ?? []), ...targets]);
            created.set(logicalId, {
              ref: name,
              attributes: {
                Arn: `arn:aws:s3:::${name}`,
                DomainName: `${name}.s3.amazonaws.com`,
                RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
                DualStackDomainName: `${name}.s3.dualstack.${region}.amazonaws.com`,
                WebsiteURL: `http://${name}.s3-website-${region}.amazonaws.com`,
              },
            });
            break;
          }
          case 'Custom::S3BucketNotifications': {
            const bucket = String(prop('BucketName'));
            notifications.set(bucket, [
              ...(notifications.get(bucket) ?? []),
              ...apiNotificationTargets(prop('NotificationConfiguration') as Record<string, unknown>),
            ]);
            created.set(logicalId, { ref: `${physical}-notifications`, attributes: {} });
            break;
          }
          case 'AWS::DynamoDB::GlobalTable':
          case 'AWS::DynamoDB::Table': {
            unsupported(logicalId, resource, ['GlobalSecondaryIndexes', 'LocalSecondaryIndexes', 'StreamSpecification']);
            const name = (prop('TableName') as string | undefined) ?? physical;
            const keys = (prop('KeySchema') as Array<{ AttributeName: string; KeyType: string }> | undefined) ?? [];
            const ttl = prop('TimeToLiveSpecification') as { AttributeName?: string; Enabled?: boolean } | undefined;
            dynamodb.createTable({
              tableName: name,
              partitionKey: keys.find((k) => k.KeyType === 'HASH')?.AttributeName as string,
              sortKey: keys.find((k) => k.KeyType === 'RANGE')?.AttributeName,
              ttlAttribute: ttl?.Enabled ? ttl.AttributeName : undefined,
            });
            created.set(logicalId, { ref: name, attributes: { Arn: `arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT_ID}:table/${name}` } });
            break;
          }
          case 'AWS::Lambda::Function': {
            const spec = functionSpec(stack, logicalId, resource, physical, region, (value, property) =>
              resolve(value, ctx, at(logicalId, property)),
            );
            if (typeof spec === 'string') {
              list(logicalId, resource.Type, spec);
              created.set(logicalId, syntheticIdentity(resource.Type, physical, region));
              break;
            }
            const fn = new LocalFunction(spec, {
              awsEnvironment: awsEnvironment(),
              nodePath,
              onLog: (functionName, line) => {
                logs.push({ functionName, line });
                logStore.put(spec.logGroupName, `local/${functionName}`, line);
                options.onLog?.(functionName, line);
              },
            });
            functions.set(`${stackName}/${logicalId}`, fn);
            functionKeys.set(fn, `${stackName}/${logicalId}`);
            // Templates name a function by its name (Ref) or its ARN (Fn::GetAtt).
            functionsByRef.set(spec.functionArn, fn);
            functionsByRef.set(spec.functionName, fn);
            created.set(logicalId, { ref: spec.functionName, attributes: { Arn: spec.functionArn } });
            break;
          }
          case 'AWS::Lambda::EventInvokeConfig': {
            const invoker = invokerFor(String(prop('FunctionName')));
            const destinations = prop('DestinationConfig') as
              | { OnFailure?: { Destination?: string }; OnSuccess?: { Destination?: string } }
              | undefined;
            invoker.configure({
              maxRetries: Number(prop('MaximumRetryAttempts') ?? 2),
              onFailure: destinations?.OnFailure?.Destination,
              onSuccess: destinations?.OnSuccess?.Destination,
            });
            created.set(logicalId, { ref: physical, attributes: {} });
            break;
          }
          case 'AWS::Lambda::EventSourceMapping': {
            const sourceArn = String(prop('EventSourceArn'));
            const functionRef = String(prop('FunctionName'));
            const fn = functionsByRef.get(functionRef);
            const queueUrl = queuesByArn.get(sourceArn);
            if (!fn || !queueUrl) {
              list(logicalId, resource.Type, `source ${sourceArn} or function ${functionRef} is not emulated`);
              created.set(logicalId, { ref: physical, attributes: {} });
              break;
            }
            unsupported(logicalId, resource, ['FilterCriteria', 'DestinationConfig', 'ProvisionedPollerConfig', 'StartingPosition']);
            const scaling = prop('ScalingConfig') as { MaximumConcurrency?: number } | undefined;
            const source = new SqsEventSource(
              {
                logicalId,
                queueUrl,
                queueArn: sourceArn,
                fifo: sourceArn.endsWith('.fifo'),
                batchSize: Number(prop('BatchSize') ?? 10),
                maxBatchingWindowSeconds: Number(prop('MaximumBatchingWindowInSeconds') ?? 0),
                maxConcurrency: Number(scaling?.MaximumConcurrency ?? options.defaultMaxConcurrency ?? 5),
                reportBatchItemFailures: ((prop('FunctionResponseTypes') as string[] | undefined) ?? []).includes(
                  'ReportBatchItemFailures',
                ),
                enabled: prop('Enabled') !== false && prop('Enabled') !== 'false',
              },
              sqs,
              (event) => fn.invoke(event),
              { retryDelaySeconds, region, onError: options.onError },
            );
            eventSources.set(`${stackName}/${logicalId}`, source);
            created.set(logicalId, { ref: `${physical}-mapping`, attributes: {} });
            break;
          }
          case 'AWS::StepFunctions::StateMachine': {
            const name = (prop('StateMachineName') as string | undefined) ?? physical;
            const arn = `arn:aws:states:${region}:${LOCAL_ACCOUNT_ID}:stateMachine:${name}`;
            created.set(logicalId, { ref: arn, attributes: { Arn: arn, Name: name, StateMachineRevisionId: 'local' } });
            const substitutions = (prop('DefinitionSubstitutions') as Record<string, unknown> | undefined) ?? {};
            let text =
              resource.Properties?.Definition !== undefined ? JSON.stringify(prop('Definition')) : String(prop('DefinitionString'));
            text = text.replace(/\$\{([^}]+)\}/g, (whole, key: string) => (key in substitutions ? String(substitutions[key]) : whole));
            const definition = JSON.parse(text) as Record<string, unknown>;
            const why = unsupportedFeature(definition, supportedTask);
            if (why) {
              list(logicalId, resource.Type, why);
              break;
            }
            machines.push({ logicalId, name, arn, type: prop('StateMachineType') === 'EXPRESS' ? 'EXPRESS' : 'STANDARD', definition });
            break;
          }
          default: {
            list(logicalId, resource.Type);
            created.set(logicalId, syntheticIdentity(resource.Type, physical, region));
          }
        }
      }

      const resolver = (value: unknown, where: string) => resolve(value, ctx, `${stackName}: ${where}`);
      for (const subscription of pending) {
        let check: DeliveryCheck = { ok: true };
        if (subscription.protocol === 'sqs') {
          const queueId = queueIds.get(subscription.endpoint);
          if (queueId) check = snsCanUseQueueKey(template, queueId, subscription.topicArn, LOCAL_ACCOUNT_ID, resolver);
        } else if (subscription.protocol === 'lambda') {
          const fn = functionsByRef.get(subscription.endpoint);
          if (fn)
            check = snsMayInvoke(template, [fn.spec.functionName, fn.spec.functionArn], fn.spec.logicalId, subscription.topicArn, resolver);
        }
        if (check.ok) {
          await subscribe(subscription);
          continue;
        }
        // As on AWS: SNS cannot deliver, so each delivery goes to the subscription's dead-letter queue,
        // or is lost when it has none.
        const deadLetterArn = (JSON.parse(subscription.attributes.RedrivePolicy ?? '{}') as { deadLetterTargetArn?: string })
          .deadLetterTargetArn;
        const { RedrivePolicy: _, ...rest } = subscription.attributes;
        if (deadLetterArn)
          await subscribe({
            ...subscription,
            protocol: 'sqs',
            endpoint: deadLetterArn,
            attributes: { ...rest, RawMessageDelivery: 'false' },
          });
        deliveryProblems.push({
          stackName,
          logicalId: subscription.logicalId,
          reason: check.reason as string,
          outcome: deadLetterArn
            ? `deliveries go to its dead-letter queue ${deadLetterArn}`
            : 'deliveries are dropped (no dead-letter queue)',
        });
      }

      const resolvedOutputs: Record<string, string> = {};
      for (const [id, output] of Object.entries(template.Outputs ?? {})) {
        resolvedOutputs[id] = String(resolve(output.Value, ctx, `${stackName}: Outputs.${id}.Value`));
      }
      outputs.set(stackName, resolvedOutputs);

      async function subscribe({ logicalId, type, topicArn, protocol, endpoint, attributes }: PendingSubscription): Promise<string> {
        const subscriptionArn = `${topicArn}:${logicalId}`;
        if (protocol === 'sqs') {
          const result = await sns.send(
            new SubscribeCommand({
              TopicArn: topicArn,
              Protocol: 'sqs',
              Endpoint: endpoint,
              Attributes: attributes,
              ReturnSubscriptionArn: true,
            }),
          );
          return result.SubscriptionArn ?? subscriptionArn;
        }
        if (protocol === 'lambda') {
          const subscription = new SnsLambdaSubscription(
            {
              logicalId,
              topicArn,
              subscriptionArn,
              attributes: Object.fromEntries(Object.entries(attributes).filter(([k]) => k.startsWith('Filter'))),
            },
            { sqs, sns },
            invokerFor(endpoint),
            region,
            options.onError,
          );
          await subscription.start();
          snsLambdas.push(subscription);
          return subscriptionArn;
        }
        list(logicalId, type, `${protocol} subscription: not delivered locally`);
        return subscriptionArn;
      }
    }

    for (const [key, fn] of functions) {
      if (fn.spec.deadLetterArn && !asyncInvokers.has(key)) invokerFor(fn.spec.functionArn);
    }
    for (const source of eventSources.values()) source.start();
  } catch (error) {
    await stopAll();
    throw error;
  }

  return {
    endpoints,
    notEmulated,
    functions,
    asyncInvokers,
    eventSources,
    logs,
    deliveryProblems,
    outputs(stackName: string) {
      const found = outputs.get(stackName);
      if (!found) throw new Error(`stack ${stackName} is not running locally; running: ${[...outputs.keys()].join(', ') || 'none'}`);
      return found;
    },
    stop: stopAll,
  };
}

/** A deterministic local physical name: `<stack>-<logicalId>`, in the characters every service accepts. */
function physicalName(stackName: string, logicalId: string): string {
  return `${stackName}-${logicalId}`.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 64);
}

/** A valid S3 bucket name derived from a physical name. */
function bucketName(physical: string): string {
  return physical
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}

/** Ref and Arn for a resource the runtime does not emulate, so that references to it still resolve. */
function syntheticIdentity(type: string, physical: string, region: string): Created {
  const service = type.split('::')[1]?.toLowerCase() ?? 'unknown';
  const arn = `arn:aws:${service}:${service === 'iam' ? '' : region}:${LOCAL_ACCOUNT_ID}:${physical}`;
  return { ref: type === 'AWS::SNS::Topic' ? arn : physical, attributes: { Arn: arn } };
}

/** Resolves a value found at a property path of the resource being read. */
type ResolveAt = (value: unknown, property: string) => unknown;

/** The function's spec, or why it cannot run locally. */
function functionSpec(
  stack: StackInput,
  logicalId: string,
  resource: TemplateResource,
  physical: string,
  region: string,
  resolveAt: ResolveAt,
): FunctionSpec | string {
  const properties = resource.Properties ?? {};
  const prop = (name: string): unknown => (properties[name] === undefined ? undefined : resolveAt(properties[name], name));
  const runtime = String(prop('Runtime') ?? '');
  if (!runtime.startsWith('nodejs'))
    return `runtime ${runtime || '(container image)'} cannot run in-process; only Node.js functions are emulated`;
  const code = properties.Code as { S3Key?: unknown; ZipFile?: unknown } | undefined;
  if (code?.ZipFile !== undefined) return 'inline code (a CDK framework function): not emulated';
  const key = typeof code?.S3Key === 'string' ? code.S3Key : undefined;
  const codeDir = key ? path.join(stack.assemblyDir, `asset.${key.replace(/\.zip$/, '')}`) : undefined;
  if (!codeDir || !existsSync(codeDir)) {
    throw new Error(
      `${stack.stackName}: ${logicalId} code asset ${key ?? '(none)'} is not in the cloud assembly; synthesize with bundling on`,
    );
  }
  const functionName = (prop('FunctionName') as string | undefined) ?? physical;
  const variables = (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const environment = Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name, String(resolveAt(value, `Environment.Variables.${name}`))]),
  );
  const loggingConfig = properties.LoggingConfig as { LogGroup?: unknown } | undefined;
  const logGroupName =
    loggingConfig?.LogGroup === undefined
      ? `/aws/lambda/${functionName}`
      : String(resolveAt(loggingConfig.LogGroup, 'LoggingConfig.LogGroup'));
  const deadLetter = properties.DeadLetterConfig as { TargetArn?: unknown } | undefined;
  return {
    logicalId,
    functionName,
    functionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    codeDir,
    handler: String(prop('Handler') ?? 'index.handler'),
    runtime,
    timeoutSeconds: Number(prop('Timeout') ?? 3),
    memorySize: Number(prop('MemorySize') ?? 128),
    environment,
    logGroupName,
    deadLetterArn: deadLetter?.TargetArn === undefined ? undefined : String(resolveAt(deadLetter.TargetArn, 'DeadLetterConfig.TargetArn')),
    reservedConcurrency: properties.ReservedConcurrentExecutions === undefined ? undefined : Number(prop('ReservedConcurrentExecutions')),
  };
}
