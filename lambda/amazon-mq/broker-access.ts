import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type BrokerEndpoint, parseEndpoints } from './broker-endpoint';
import { BrokerAuthenticationError, BrokerUnreachableError, firstLine } from './broker-errors';
import { type BrokerCredentials, readCredentials, type SecretStage } from './broker-secret';

/** A connection a producer can close. */
export interface Closable {
  close(): Promise<unknown>;
}

/** How a producer reaches its broker, whichever the engine. */
export interface BrokerAccessOptions<C> {
  readonly secrets: SecretsManagerClient;
  /** The BASIC_AUTH secret with `{"username", "password"}`. */
  readonly secretArn: string;
  /** `BROKER_ENDPOINTS`: comma-separated, parsed on first use. */
  readonly endpoints: string;
  /** The engine as errors name it (`ActiveMQ`, `RabbitMQ`). */
  readonly engine: string;
  /**
   * Connects to one endpoint as `user`. A refused login throws a {@link BrokerAuthenticationError} whose
   * message includes `whose` (`credentials from secret <arn>, stage <stage>`); any other error means
   * the endpoint did not answer, and the next one is tried.
   */
  readonly connect: (endpoint: BrokerEndpoint, user: BrokerCredentials, whose: string) => Promise<C>;
}

/**
 * The producers' way to their broker: the secret's current credentials read by the first invocation of
 * an environment (module scope keeps to the SDK client) and read again once when the broker refuses them
 * (the secret was rotated); the first endpoint that answers (the active broker of an active/standby
 * pair); and a rotation's test step that checks a secret stage without publishing.
 */
export class BrokerAccess<C extends Closable> {
  private credentials?: Promise<BrokerCredentials>;
  private parsedEndpoints?: BrokerEndpoint[];

  public constructor(private readonly options: BrokerAccessOptions<C>) {}

  /** Connects with the current credentials, reading them again once when the broker refuses them. */
  public async connectCurrent(): Promise<C> {
    try {
      return await this.connect(await this.currentCredentials(), 'AWSCURRENT');
    } catch (error) {
      if (!(error instanceof BrokerAuthenticationError)) throw error;
      this.credentials = undefined;
      return this.connect(await this.currentCredentials(), 'AWSCURRENT');
    }
  }

  /** Checks that the broker accepts a secret version (a rotation's test step): connects with it and closes. */
  public async checkCredentials(stage: SecretStage): Promise<{ credentials: 'accepted'; stage: SecretStage }> {
    const { secrets, secretArn } = this.options;
    const tested = await this.connect(await readCredentials(secrets, secretArn, stage), stage);
    await tested.close();
    return { credentials: 'accepted', stage };
  }

  private currentCredentials(): Promise<BrokerCredentials> {
    this.credentials ??= readCredentials(this.options.secrets, this.options.secretArn, 'AWSCURRENT');
    const read = this.credentials;
    read.catch(() => {
      this.credentials = undefined;
    });
    return read;
  }

  /** Connects to the first endpoint that answers, as `user`; one-line errors. */
  private async connect(user: BrokerCredentials, stage: SecretStage): Promise<C> {
    this.parsedEndpoints ??= parseEndpoints(this.options.endpoints);
    const whose = `credentials from secret ${this.options.secretArn}, stage ${stage}`;
    const problems: string[] = [];
    for (const endpoint of this.parsedEndpoints) {
      try {
        return await this.options.connect(endpoint, user, whose);
      } catch (error) {
        if (error instanceof BrokerAuthenticationError) throw error;
        problems.push(`${endpoint.url}: ${firstLine(error)}`);
      }
    }
    throw new BrokerUnreachableError(`cannot reach the ${this.options.engine} broker: ${problems.join('; ')}`);
  }
}

/** The steps of one publish on a connection kept between invocations. */
export interface PublishSteps<C extends Closable, R> {
  /** The kept connection, or a new one. */
  readonly open: () => Promise<C>;
  /** Drops the kept connection (the next `open` makes a new one). */
  readonly forget: () => void;
  readonly publish: (connection: C) => Promise<R>;
  /** Whether a failed publish is worth a new connection. @default every error is */
  readonly retryable?: (error: unknown) => boolean;
  /** Told about the failure before the second attempt. */
  readonly onRetry: (error: unknown) => void;
}

/**
 * Publishes on the kept connection; when that fails, the connection is forgotten and closed, and a
 * connection kept from an earlier invocation may have been closed by the broker: so it reconnects and
 * publishes once more.
 */
export async function publishWithReconnect<C extends Closable, R>(steps: PublishSteps<C, R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    const connection = await steps.open();
    try {
      return await steps.publish(connection);
    } catch (error) {
      steps.forget();
      await connection.close().catch(() => undefined);
      if (attempt >= 2 || !(steps.retryable?.(error) ?? true)) throw error;
      steps.onRetry(error);
    }
  }
}
