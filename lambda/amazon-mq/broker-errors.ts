/** The broker refused the credentials: one line naming the user, the secret and the stage. */
export class BrokerAuthenticationError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'BrokerAuthenticationError';
  }
}

/** The broker could not be reached (network, security group, endpoint): one line naming the endpoints. */
export class BrokerUnreachableError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'BrokerUnreachableError';
  }
}

/** A request the producer refuses, with the field errors in one line. Nothing was published. */
export class RequestError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'RequestError';
  }
}

/** The broker did not confirm every message: the caller retries the request. */
export class PublishError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'PublishError';
  }
}

/** The first line of an error's message, for one-line reports. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].trim();
}
