import { randomUUID } from 'node:crypto';
import { deadLetterPolicy } from '../mq/activemq-config';
import { ActiveMqEventSource } from '../mq/activemq-event-source';
import { ActiveMqUsers, BrokerLock, type BrokerState, RabbitMqAdmin, runningBrokers, START_HINT } from '../mq/local-brokers';
import { checkEventSourceNetwork } from '../mq/network-checks';
import { RabbitMqEventSource } from '../mq/rabbitmq-event-source';
import { connectLocalStomp } from '../mq/stomp-client';
import type { SecretsManagerService } from './secretsmanager';
import type { Created, LocalEventSource, LocalService, ResourceInput, ServiceHost, ServiceModule, StackContext } from './service';

type Engine = 'RABBITMQ' | 'ACTIVEMQ';

/** A broker of the templates, mapped to the running local broker of its engine. */
interface LocalBroker {
  readonly stackName: string;
  readonly logicalId: string;
  readonly engine: Engine;
  readonly arn: string;
  /** Whether the local broker of this engine is running (otherwise the broker is listed, not emulated). */
  readonly available: boolean;
  /** RabbitMQ: this runtime's virtual host on the local broker. */
  readonly vhost: string;
  readonly users: ReadonlyArray<{ username: string; password: string }>;
  readonly configurationXml?: string;
  readonly stack: StackContext;
}

const LABEL: Readonly<Record<Engine, string>> = { RABBITMQ: 'RabbitMQ', ACTIVEMQ: 'ActiveMQ' };

/** Amazon MQ's rules for broker users (AWS::AmazonMQ::Broker User): CreateBroker fails without them. */
function checkUser(engine: Engine, username: string, password: string, where: string): void {
  const pattern = engine === 'ACTIVEMQ' ? /^[A-Za-z0-9._~-]{2,100}$/ : /^[A-Za-z0-9._-]{2,100}$/;
  if (!pattern.test(username) || username.toLowerCase() === 'guest') {
    throw new Error(`${where}: Amazon MQ refuses the user name ${JSON.stringify(username)} (2 to 100 allowed characters, not guest)`);
  }
  if (password.length < 12 || new Set(password).size < 4 || /[,:=]/.test(password)) {
    throw new Error(`${where}: Amazon MQ refuses the password of ${username}: at least 12 characters, 4 unique, none of , : =`);
  }
}

/**
 * Amazon MQ on real local brokers (`scripts/brokers.sh start`): each `AWS::AmazonMQ::Broker` maps to
 * the running RabbitMQ or ActiveMQ of its engine. The template's users are created there with the
 * credentials the local Secrets Manager resolves (RabbitMQ in a virtual host of this runtime's own,
 * ActiveMQ in its JAAS users file); the endpoint attributes answer with loopback endpoints, plain
 * rather than TLS. Amazon MQ event source mappings consume the configured queue and invoke the function
 * with the event AWS sends for the engine, acknowledging a batch only when the function succeeds.
 * Without a running broker the broker is listed as not emulated and its mappings do not poll.
 */
export const mqService: ServiceModule = {
  name: 'mq',
  async start(host: ServiceHost): Promise<LocalService> {
    const running = await runningBrokers();
    const state = running.state as BrokerState | undefined;
    const brokers = new Map<string, LocalBroker>();
    const configurations = new Map<string, string>();
    const locks = new Map<Engine, BrokerLock>();
    const cleanups: Array<() => Promise<void> | void> = [];
    const secrets = () => host.service<SecretsManagerService>('secretsmanager');
    const isRunning = (engine: Engine) => (engine === 'RABBITMQ' ? running.rabbitmq : running.activemq);

    const createConfiguration = (input: ResourceInput): Created => {
      const data = input.prop('Data');
      const id = `c-${randomUUID()}`;
      if (typeof data === 'string') configurations.set(id, Buffer.from(data, 'base64').toString('utf8'));
      return {
        ref: id,
        attributes: { Id: id, Arn: `arn:aws:mq:${host.region}:${host.accountId}:configuration:${id}`, Revision: 1 },
      };
    };

    const createBroker = async (input: ResourceInput): Promise<Created> => {
      const where = `${input.stack.stackName}: ${input.logicalId}`;
      const engine = String(input.prop('EngineType') ?? '').toUpperCase() as Engine;
      if (engine !== 'RABBITMQ' && engine !== 'ACTIVEMQ') throw new Error(`${where}: EngineType ${engine} is not RABBITMQ or ACTIVEMQ`);
      input.refuse(['LdapServerMetadata']);
      if (String(input.prop('AuthenticationStrategy') ?? 'SIMPLE').toUpperCase() !== 'SIMPLE') {
        throw new Error(`${where}: only SIMPLE authentication is emulated locally`);
      }
      const rawUsers = (input.prop('Users') as Array<{ Username: string; Password: string }> | undefined) ?? [];
      const users = rawUsers.map((u) => ({ username: String(u.Username), password: secrets().resolveReferences(String(u.Password)) }));
      if (users.length === 0) throw new Error(`${where}: Amazon MQ needs at least one broker user with SIMPLE authentication`);
      if (engine === 'RABBITMQ' && users.length !== 1) {
        throw new Error(`${where}: a RabbitMQ broker takes exactly one user in its template (it has ${users.length})`);
      }
      for (const u of users) checkUser(engine, u.username, u.password, where);
      const configuration = input.prop('Configuration') as { Id?: string } | undefined;
      const name = String(input.prop('BrokerName') ?? input.physicalName);
      const id = `b-${randomUUID()}`;
      const arn = `arn:aws:mq:${host.region}:${host.accountId}:broker:${name}:${id}`;
      const available = state !== undefined && isRunning(engine);
      const vhost = `decoupling-${id.slice(2, 10)}`;
      const broker: LocalBroker = {
        stackName: input.stack.stackName,
        logicalId: input.logicalId,
        engine,
        arn,
        available,
        vhost,
        users,
        configurationXml: configuration?.Id ? configurations.get(configuration.Id) : undefined,
        stack: input.stack,
      };
      brokers.set(arn, broker);
      if (!available) {
        input.list(`no local ${LABEL[engine]} broker is running: ${START_HINT}`);
      } else if (state) {
        if (!locks.has(engine)) locks.set(engine, BrokerLock.acquire(LABEL[engine]));
        if (engine === 'RABBITMQ') {
          const admin = new RabbitMqAdmin(state.rabbitmq);
          await admin.addVhost(vhost);
          cleanups.push(() => admin.deleteVhost(vhost));
          for (const u of users) {
            await admin.addUser(u.username, u.password, vhost);
            cleanups.push(() => admin.deleteUser(u.username));
          }
        } else {
          const file = new ActiveMqUsers(state.activemq);
          for (const u of users) {
            file.add(u.username, u.password);
            cleanups.push(() => file.remove(u.username));
          }
        }
      }
      const instances = String(input.prop('DeploymentMode') ?? 'SINGLE_INSTANCE') === 'ACTIVE_STANDBY_MULTI_AZ' ? 2 : 1;
      const times = (value: string) => Array.from({ length: instances }, () => value);
      const r = state?.rabbitmq ?? { host: '127.0.0.1', amqpPort: 5672, managementPort: 15672 };
      const a = state?.activemq ?? { host: '127.0.0.1', stompPort: 61613, openwirePort: 61616 };
      const attributes: Record<string, unknown> =
        engine === 'RABBITMQ'
          ? {
              AmqpEndpoints: [`amqp://${r.host}:${r.amqpPort}/${encodeURIComponent(vhost)}`],
              ConsoleURLs: [`http://${r.host}:${r.managementPort}`],
            }
          : {
              StompEndpoints: times(`stomp://${a.host}:${a.stompPort}`),
              OpenWireEndpoints: times(`tcp://${a.host}:${a.openwirePort}`),
              IpAddresses: times(a.host),
            };
      return {
        ref: id,
        attributes: {
          Arn: arn,
          Id: id,
          ...attributes,
          ...(configuration?.Id ? { ConfigurationId: configuration.Id, ConfigurationRevision: 1 } : {}),
        },
      };
    };

    /** Empties the ActiveMQ queues the stack's mappings consume, left over from an earlier run. */
    const drainActiveMq = async (queues: readonly string[], user: { username: string; password: string }) => {
      if (!state || queues.length === 0) return;
      const { client } = await connectLocalStomp(state.activemq.host, state.activemq.stompPort, user.username, user.password);
      let last = Date.now();
      for (const queue of queues) client.subscribe(`/queue/${queue}`, () => (last = Date.now()), { ack: 'auto' });
      while (Date.now() - last < 300) await new Promise((r) => setTimeout(r, 100));
      await client.deactivate();
    };

    return {
      name: 'mq',
      resourceTypes: ['AWS::AmazonMQ::Broker', 'AWS::AmazonMQ::Configuration'],

      async create(input) {
        return input.resource.Type === 'AWS::AmazonMQ::Configuration' ? createConfiguration(input) : createBroker(input);
      },

      async wire(stack: StackContext) {
        for (const broker of brokers.values()) {
          if (broker.stackName !== stack.stackName || !broker.available || broker.engine !== 'ACTIVEMQ') continue;
          const queues = Object.values(stack.template.Resources)
            .filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping')
            .filter((r) => JSON.stringify(r.Properties?.EventSourceArn ?? '').includes(`"${broker.logicalId}"`))
            .flatMap((r) => (r.Properties?.Queues as string[] | undefined) ?? []);
          await drainActiveMq(queues, broker.users[0]);
        }
      },

      eventSource(settings, invoke): LocalEventSource | undefined {
        const broker = brokers.get(settings.sourceArn);
        if (!broker) return undefined;
        settings.refuse(['FilterCriteria', 'DestinationConfig']);
        if (!broker.available || !state) return undefined;
        const p = settings.properties;
        const queue = ((p.Queues as string[] | undefined) ?? [])[0];
        if (!queue) throw new Error(`${settings.logicalId}: an Amazon MQ event source needs Queues`);
        const access = (p.SourceAccessConfigurations as Array<{ Type: string; URI: string }> | undefined) ?? [];
        const secretArn = access.find((a) => a.Type === 'BASIC_AUTH')?.URI;
        if (!secretArn) throw new Error(`${settings.logicalId}: an Amazon MQ event source needs a BASIC_AUTH secret`);
        const credentials = () => {
          const parsed = JSON.parse(secrets().secretString(secretArn)) as { username?: unknown; password?: unknown };
          if (typeof parsed.username !== 'string' || typeof parsed.password !== 'string') {
            throw new Error(`ESM_CONFIG_NOT_VALID: secret ${secretArn} must be JSON with "username" and "password"`);
          }
          return { username: parsed.username, password: parsed.password };
        };
        const common = {
          logicalId: settings.logicalId,
          brokerArn: broker.arn,
          queue,
          batchSize: Number(p.BatchSize ?? 100),
          batchingWindowMs: Number(p.MaximumBatchingWindowInSeconds ?? 0.5) * 1000,
          enabled: p.Enabled !== false && p.Enabled !== 'false',
          credentials,
          retryDelaySeconds: host.settings.retryDelaySeconds,
          onError: (error: Error) => host.onError(error),
        };
        const network = checkEventSourceNetwork(broker.stack, broker.logicalId, broker.engine);
        if (network) {
          host.reportDeliveryProblem({
            stackName: broker.stackName,
            logicalId: settings.logicalId,
            reason: network,
            outcome: 'the Amazon MQ event source cannot reach what it needs and consumes nothing (as on AWS)',
          });
          return { spec: { logicalId: settings.logicalId }, start: () => undefined, stop: async () => undefined };
        }
        if (broker.engine === 'RABBITMQ') {
          const vhostConfig = access.find((a) => a.Type === 'VIRTUAL_HOST')?.URI ?? '/';
          return new RabbitMqEventSource(
            { ...common, templateVhost: vhostConfig, vhost: broker.vhost, host: state.rabbitmq.host, port: state.rabbitmq.amqpPort },
            invoke,
          );
        }
        return new ActiveMqEventSource(
          { ...common, host: state.activemq.host, port: state.activemq.stompPort, deadLetters: deadLetterPolicy(broker.configurationXml) },
          invoke,
        );
      },

      async stop() {
        for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch((error: Error) => host.onError(error));
        for (const lock of locks.values()) lock.release();
      },
    };
  },
};
