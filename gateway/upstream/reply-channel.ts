import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import type { UpstreamEndpoint } from '../../contract/index.ts';

/**
 * One request, one answer, over TCP or UDP: the stop-and-wait both upstream protocols use. The
 * caller cuts the byte stream into messages (`split`) and says which message answers its request
 * (`accept`): a late answer to an earlier try is skipped, not taken for this one.
 */
export interface ReplyChannel<M> {
  request(bytes: Buffer, timeoutMs: number, accept: (m: M) => boolean): Promise<M>;
  /** Unsolicited messages (a centre's time sync): handled by the link. */
  onMessage(listener: (m: M, reply: (bytes: Buffer) => void) => void): void;
  close(): void;
}

export class ReplyTimeout extends Error {
  readonly code = 'REPLY_TIMEOUT';
}

interface Waiter<M> { accept: (m: M) => boolean; resolve: (m: M) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }

abstract class Channel<M> implements ReplyChannel<M> {
  protected waiter: Waiter<M> | undefined;
  private listener: ((m: M, reply: (bytes: Buffer) => void) => void) | undefined;

  abstract request(bytes: Buffer, timeoutMs: number, accept: (m: M) => boolean): Promise<M>;
  abstract close(): void;
  protected abstract write(bytes: Buffer): void;

  onMessage(listener: (m: M, reply: (bytes: Buffer) => void) => void): void {
    this.listener = listener;
  }

  protected deliver(m: M): void {
    const w = this.waiter;
    if (w && w.accept(m)) {
      this.waiter = undefined;
      clearTimeout(w.timer);
      w.resolve(m);
      return;
    }
    this.listener?.(m, (bytes) => this.write(bytes));
  }

  protected wait(timeoutMs: number, accept: (m: M) => boolean): Promise<M> {
    return new Promise<M>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new ReplyTimeout(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = { accept, resolve, reject, timer };
    });
  }

  protected fail(err: Error): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) { clearTimeout(w.timer); w.reject(err); }
  }
}

/** A persistent TCP connection, opened on first use and again after it drops. */
export class TcpReplyChannel<M> extends Channel<M> {
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;

  constructor(private readonly endpoint: UpstreamEndpoint, private readonly split: () => (chunk: Buffer) => M[]) {
    super();
  }

  async request(bytes: Buffer, timeoutMs: number, accept: (m: M) => boolean): Promise<M> {
    const socket = await this.open(timeoutMs);
    const answer = this.wait(timeoutMs, accept);
    socket.write(bytes);
    return answer;
  }

  /** Connects now (a link's first contact), so a centre's commands can arrive before any alarm. */
  async open(timeoutMs: number): Promise<Socket> {
    if (this.socket) return this.socket;
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: this.endpoint.host, port: this.endpoint.port });
      const cut = this.split();
      const timer = setTimeout(() => { socket.destroy(new ReplyTimeout(`connect to ${this.endpoint.host}:${this.endpoint.port} took over ${timeoutMs} ms`)); }, timeoutMs);
      socket.setNoDelay(true);
      socket.once('connect', () => { clearTimeout(timer); this.socket = socket; resolve(socket); });
      socket.on('data', (chunk: Buffer) => { for (const m of cut(chunk)) this.deliver(m); });
      socket.on('error', () => undefined); // 'close' follows and says it
      socket.once('close', () => {
        clearTimeout(timer);
        if (this.socket === socket) this.socket = undefined;
        this.connecting = undefined;
        reject(new Error(`connection to ${this.endpoint.host}:${this.endpoint.port} refused or lost`));
        this.fail(new Error(`connection to ${this.endpoint.host}:${this.endpoint.port} lost`));
      });
    });
    try {
      return await this.connecting;
    } catch (err) {
      this.connecting = undefined;
      throw err;
    }
  }

  protected write(bytes: Buffer): void {
    this.socket?.write(bytes);
  }

  close(): void {
    this.fail(new Error('link stopped'));
    this.socket?.destroy();
    this.socket = undefined;
    this.connecting = undefined;
  }
}

/** UDP: one datagram out, the answer is the next datagram from the receiver's address. */
export class UdpReplyChannel<M> extends Channel<M> {
  private socket: UdpSocket | undefined;
  private readonly cut: (chunk: Buffer) => M[];

  constructor(private readonly endpoint: UpstreamEndpoint, split: () => (chunk: Buffer) => M[]) {
    super();
    this.cut = split();
  }

  async request(bytes: Buffer, timeoutMs: number, accept: (m: M) => boolean): Promise<M> {
    if (!this.socket) {
      const socket = createSocket(this.endpoint.host.includes(':') ? 'udp6' : 'udp4');
      socket.on('message', (chunk) => { for (const m of this.cut(chunk)) this.deliver(m); });
      socket.on('error', (err) => this.fail(err));
      this.socket = socket;
    }
    const answer = this.wait(timeoutMs, accept);
    this.write(bytes);
    return answer;
  }

  protected write(bytes: Buffer): void {
    this.socket?.send(bytes, this.endpoint.port, this.endpoint.host, (err) => { if (err) this.fail(err); });
  }

  close(): void {
    this.fail(new Error('link stopped'));
    this.socket?.close();
    this.socket = undefined;
  }
}
