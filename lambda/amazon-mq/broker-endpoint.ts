import { BrokerUnreachableError } from './broker-errors';

/** One broker endpoint: how to reach it and whether the connection is TLS. */
export interface BrokerEndpoint {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** The AMQP virtual host of `amqp(s)://host:port/vhost` (default `/`). */
  readonly vhost: string;
}

const TLS_SCHEMES: Readonly<Record<string, boolean>> = {
  'amqps:': true,
  'amqp:': false,
  'stomp+ssl:': true,
  'stomp:': false,
  'ssl:': true,
};

/** Whether a host is this machine (the local runtime's brokers). */
function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]';
}

/**
 * Parses the comma-separated endpoints of `BROKER_ENDPOINTS`. Amazon MQ endpoints are TLS
 * (`amqps://`, `stomp+ssl://`); a plain-text endpoint is refused unless it is on loopback, where the
 * local runtime's brokers listen.
 */
export function parseEndpoints(value: string): BrokerEndpoint[] {
  const endpoints = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((raw) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new BrokerUnreachableError(`broker endpoint ${JSON.stringify(raw)} is not a URL`);
      }
      const tls = TLS_SCHEMES[url.protocol];
      if (tls === undefined) throw new BrokerUnreachableError(`broker endpoint ${raw}: unsupported scheme ${url.protocol}`);
      if (!tls && !isLoopback(url.hostname)) {
        throw new BrokerUnreachableError(
          `refusing a plain-text connection to ${raw}: Amazon MQ endpoints are TLS (amqps://, stomp+ssl://)`,
        );
      }
      const vhost = url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : '/';
      return { url: raw, host: url.hostname, port: Number(url.port), tls, vhost };
    });
  if (endpoints.length === 0) throw new BrokerUnreachableError('no broker endpoint configured (BROKER_ENDPOINTS is empty)');
  return endpoints;
}
