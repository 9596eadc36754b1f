import net from 'node:net';

interface Pair {
  client: net.Socket;
  upstream: net.Socket | undefined;
  /** Bytes held while stalled, per direction. */
  toUpstream: Buffer[];
  toClient: Buffer[];
  /** The client closed while its bytes were held: they still reach the service on resume. */
  clientGone: boolean;
}

/**
 * A TCP proxy on a loopback port in front of a service, that can stall the link: while stalled,
 * no byte reaches the other side either way and new connections wait for the service — as a
 * congested or half-dead uplink looks to both ends (sockets open, nothing arriving). `resume()`
 * delivers what was held, in order, and lets everything through again.
 *
 * As over a real link, bytes a client wrote on an established connection before it gave up and
 * closed it still arrive once the link moves (TCP retransmits what was sent, then the FIN): a
 * request the client timed out reaches the service late, and its answer goes nowhere. A
 * connection not yet established when the client gave up never existed.
 */
export class StallProxy {
  private server: net.Server | undefined;
  private readonly pairs = new Set<Pair>();
  private stalled = false;
  private readonly waiting: Array<() => void> = [];
  port = 0;

  constructor(private readonly target: () => { host: string; port: number }) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  stall(): void {
    this.stalled = true;
  }

  resume(): void {
    this.stalled = false;
    for (const p of this.pairs) {
      if (p.upstream) for (const chunk of p.toUpstream.splice(0)) p.upstream.write(chunk);
      if (p.clientGone) p.upstream?.end();
      else for (const chunk of p.toClient.splice(0)) p.client.write(chunk);
    }
    for (const go of this.waiting.splice(0)) go();
  }

  async stop(): Promise<void> {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream?.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: net.Socket): void {
    const pair: Pair = { client, upstream: undefined, toUpstream: [], toClient: [], clientGone: false };
    this.pairs.add(pair);
    const end = () => {
      if (!this.pairs.delete(pair)) return;
      client.destroy();
      pair.upstream?.destroy();
    };
    const clientClosed = () => {
      if (this.stalled && pair.upstream && pair.toUpstream.length > 0) pair.clientGone = true;
      else end();
    };
    client.on('error', clientClosed).on('close', clientClosed);
    client.on('data', (chunk: Buffer) => {
      if (this.stalled || !pair.upstream) pair.toUpstream.push(chunk);
      else pair.upstream.write(chunk);
    });
    const connect = () => {
      if (client.destroyed) return;
      const upstream = net.connect(this.target());
      pair.upstream = upstream;
      upstream.on('error', end).on('close', end);
      upstream.on('data', (chunk: Buffer) => {
        if (pair.clientGone) return;
        if (this.stalled) pair.toClient.push(chunk);
        else client.write(chunk);
      });
      if (!this.stalled) for (const chunk of pair.toUpstream.splice(0)) upstream.write(chunk);
    };
    if (this.stalled) this.waiting.push(connect);
    else connect();
  }
}
