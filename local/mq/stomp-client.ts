import { Client } from '@stomp/stompjs';
import { NodeStompSocket } from '../../lambda/shared/stomp-socket';

/** A connected client, and a promise that rejects once the connection drops or the broker sends ERROR. */
export interface LocalStompConnection {
  readonly client: Client;
  readonly dropped: Promise<never>;
}

/** Connects to the local ActiveMQ's STOMP listener; a refused login rejects with the broker's message. */
export function connectLocalStomp(host: string, port: number, login: string, passcode: string): Promise<LocalStompConnection> {
  return new Promise((resolve, reject) => {
    let connected = false;
    let drop: (error: Error) => void = () => undefined;
    const dropped = new Promise<never>((_, r) => {
      drop = r;
    });
    dropped.catch(() => undefined);
    const client = new Client({
      webSocketFactory: () => new NodeStompSocket(host, port, false),
      connectHeaders: { login, passcode },
      reconnectDelay: 0,
      heartbeatIncoming: 0,
      heartbeatOutgoing: 0,
    });
    client.onConnect = () => {
      connected = true;
      resolve({ client, dropped });
    };
    client.onStompError = (frame) => {
      const error = new Error(frame.headers.message ?? frame.body);
      if (!connected) reject(error);
      drop(error);
    };
    client.onWebSocketError = (error: unknown) => {
      const e = new Error(`cannot reach stomp://${host}:${port}: ${(error as Error)?.message ?? error}`);
      if (!connected) reject(e);
      drop(e);
    };
    client.onWebSocketClose = () => {
      const e = new Error('the STOMP connection closed');
      if (!connected) reject(e);
      drop(e);
    };
    client.activate();
  });
}
