import * as net from 'node:net';
import { Client, type IStompSocket } from '@stomp/stompjs';

/** A TCP socket in the shape @stomp/stompjs expects of a WebSocket (ActiveMQ's stomp:// listener). */
class TcpStompSocket implements IStompSocket {
  public onclose: ((ev?: unknown) => unknown) | null = null;
  public onerror: ((ev: unknown) => unknown) | null = null;
  public onmessage: ((ev: { data: ArrayBuffer }) => unknown) | null = null;
  public onopen: ((ev?: unknown) => unknown) | null = null;
  public binaryType = 'arraybuffer';
  public readyState = 0;
  public readonly url: string;
  private readonly socket: net.Socket;

  public constructor(host: string, port: number) {
    this.url = `stomp://${host}:${port}`;
    this.socket = net.connect({ host, port }, () => {
      this.readyState = 1;
      this.onopen?.();
    });
    this.socket.on('data', (chunk: Buffer) =>
      this.onmessage?.({ data: chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength) as ArrayBuffer }),
    );
    this.socket.on('error', (error) => this.onerror?.(error));
    this.socket.on('close', () => {
      this.readyState = 3;
      this.onclose?.({ code: 1000, reason: 'closed' });
    });
  }

  public send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    this.socket.write(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }

  public close(): void {
    this.socket.end();
  }

  public terminate(): void {
    this.socket.destroy();
  }
}

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
      webSocketFactory: () => new TcpStompSocket(host, port),
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
