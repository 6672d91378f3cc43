// The socket @stomp/stompjs speaks over in Node.js: the producer's connection to Amazon MQ for
// ActiveMQ (TLS) and the local runtime's connections to the local ActiveMQ (plain TCP).
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { IStompSocket } from '@stomp/stompjs';

/**
 * A TCP (or TLS) socket in the shape @stomp/stompjs expects of a WebSocket, so that the client speaks
 * STOMP 1.2 over a plain socket as ActiveMQ's stomp:// and stomp+ssl:// listeners expect.
 */
export class NodeStompSocket implements IStompSocket {
  public onclose: ((ev?: unknown) => unknown) | null = null;
  public onerror: ((ev: unknown) => unknown) | null = null;
  public onmessage: ((ev: { data: ArrayBuffer }) => unknown) | null = null;
  public onopen: ((ev?: unknown) => unknown) | null = null;
  public binaryType = 'arraybuffer';
  public readyState = 0;
  public readonly url: string;
  private readonly socket: net.Socket;

  public constructor(host: string, port: number, secure: boolean) {
    this.url = `${secure ? 'stomp+ssl' : 'stomp'}://${host}:${port}`;
    const opened = () => {
      this.readyState = 1;
      this.onopen?.();
    };
    this.socket = secure ? tls.connect({ host, port, servername: host }, opened) : net.connect({ host, port }, opened);
    this.socket.on('data', (chunk: Buffer) => {
      this.onmessage?.({ data: chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength) as ArrayBuffer });
    });
    this.socket.on('error', (error) => this.onerror?.(error));
    this.socket.on('close', () => {
      this.readyState = 3;
      this.onclose?.({ code: 1000, reason: 'socket closed' });
    });
  }

  public send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    this.socket.write(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }

  public close(): void {
    this.readyState = 2;
    this.socket.end();
  }

  public terminate(): void {
    this.readyState = 3;
    this.socket.destroy();
  }
}
