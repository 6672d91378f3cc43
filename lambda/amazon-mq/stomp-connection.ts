import { Client, type IMessage, type StompHeaders } from '@stomp/stompjs';
import { NodeStompSocket } from '../shared/stomp-socket';
import { BrokerAuthenticationError, BrokerUnreachableError } from './broker-errors';

/** Where and as whom to connect. */
export interface StompTarget {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly login: string;
  readonly passcode: string;
  /** Milliseconds to wait for the broker's CONNECTED frame. */
  readonly timeoutMs?: number;
}

/** A connected STOMP client and a way to close it. */
export interface StompConnection {
  readonly client: Client;
  /** Becomes true once the connection dropped; the owner then connects again. */
  readonly closed: () => boolean;
  /** Rejects with the reason once the connection drops or the broker sends an ERROR frame. */
  readonly dropped: Promise<never>;
  close(): Promise<void>;
}

/**
 * Connects to an ActiveMQ STOMP listener. A refused login is a {@link BrokerAuthenticationError}, a
 * network failure or timeout a {@link BrokerUnreachableError}; either in one line.
 */
export function connectStomp(target: StompTarget): Promise<StompConnection> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let isClosed = false;
    const where = `${target.tls ? 'stomp+ssl' : 'stomp'}://${target.host}:${target.port}`;
    const client = new Client({
      webSocketFactory: () => new NodeStompSocket(target.host, target.port, target.tls),
      connectHeaders: { login: target.login, passcode: target.passcode, host: target.host },
      reconnectDelay: 0,
      heartbeatIncoming: 0,
      heartbeatOutgoing: 0,
      connectionTimeout: target.timeoutMs ?? 10_000,
    });
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      void client.deactivate({ force: true });
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new BrokerUnreachableError(`no STOMP answer within ${target.timeoutMs ?? 10_000} ms`)),
      target.timeoutMs ?? 10_000,
    );
    let drop: (error: Error) => void = () => undefined;
    const dropped = new Promise<never>((_, rejectDropped) => {
      drop = rejectDropped;
    });
    dropped.catch(() => undefined);
    client.onConnect = () => {
      settled = true;
      clearTimeout(timer);
      resolve({ client, closed: () => isClosed, dropped, close: () => client.deactivate() });
    };
    client.onStompError = (frame) => {
      clearTimeout(timer);
      const message = frame.headers.message ?? frame.body;
      isClosed = true;
      drop(new Error(`STOMP error from ${where}: ${message}`));
      if (/password|user ?name|authenticat|credential|login/i.test(message)) {
        fail(new BrokerAuthenticationError(`the broker at ${where} refused user ${target.login}: ${message}`));
      } else fail(new Error(`STOMP error from ${where}: ${message}`));
    };
    client.onWebSocketError = (error: unknown) => {
      clearTimeout(timer);
      fail(new BrokerUnreachableError((error as Error)?.message ?? String(error)));
    };
    client.onWebSocketClose = () => {
      isClosed = true;
      drop(new BrokerUnreachableError(`${where} closed the connection`));
      clearTimeout(timer);
      fail(new BrokerUnreachableError('the connection closed before STOMP CONNECTED'));
    };
    client.activate();
  });
}

/**
 * Sends a message with a receipt and waits for the broker's RECEIPT (the broker stored it), failing
 * when the connection drops or no receipt arrives within `timeoutMs`.
 */
export async function sendWithReceipt(
  connection: StompConnection,
  destination: string,
  body: string,
  headers: StompHeaders,
  receipt: string,
  timeoutMs = 10_000,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const received = new Promise<void>((resolve) => connection.client.watchForReceipt(receipt, () => resolve()));
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no receipt for a message to ${destination} within ${timeoutMs} ms`)), timeoutMs);
  });
  // Without content-length ActiveMQ stores a TextMessage (Lambda: jms/text-message); a body with NUL needs it.
  connection.client.publish({ destination, body, headers: { ...headers, receipt }, skipContentLengthHeader: !body.includes('\0') });
  try {
    await Promise.race([received, connection.dropped, late]);
  } finally {
    clearTimeout(timer);
  }
}

export type { IMessage };
