import { SerialPort, type SerialPortMock } from 'serialport';
import type { SiteFile } from '../../contract/index.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Rejections } from '../rejections.ts';
import type { SiteRegistry } from '../site/site-registry.ts';
import { Gb26875Receiver } from './gb26875-receiver.ts';
import { Backoff } from '../../contract/backoff.ts';
import { RflinkReceiver } from './rflink-receiver.ts';
import { type FrameReceiver, SerialIngest } from './serial-ingest.ts';

/** One entry of a site file's `serial:` list. */
export type SerialPortConfig = SiteFile['serial'][number];

/** A node-serialport binding: the operating system's by default, `SerialPortMock.binding` in tests. */
export type SerialBinding = typeof SerialPort.binding | typeof SerialPortMock.binding;

export interface SerialLinkOptions {
  siteId: string;
  config: SerialPortConfig;
  registry: SiteRegistry;
  rejections: Rejections;
  metrics: Metrics;
  log: Logger;
  binding?: SerialBinding;
  /** First reconnect delay after the port is lost (default 1 s); doubles up to `retryMaxMs` (default 30 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /**
   * Silence after which a partial frame is given up (default 250 ms). Mid-frame bytes arrive
   * within milliseconds at any usual baud rate; without the flush, a frame cut short on the line
   * would hold back the next one (a fire alarm) until more bytes come.
   */
  idleFlushMs?: number;
  clock?: () => number;
  random?: () => number;
}

type PortOptions = ConstructorParameters<typeof SerialPort>[0];
type LinkState = 'unknown' | 'up' | 'down';

/**
 * A serial port a receiver hangs on (an RFLink stick, a fire panel's transmission device): opens
 * it, feeds what it reads through the port's framing, writes the replies, and when the receiver
 * is unplugged (the port errors or closes) or cannot be opened, reports the link down ONCE —
 * the rules raise one root-cause `device.offline` for `link:serial:{path}` instead of one per
 * detector — and reopens with exponential backoff; reports it up when reopened.
 * `stop()` closes the port and cancels retries; it reports nothing (the gateway is stopping, the
 * receiver is fine).
 */
export class SerialLink {
  readonly link: string;
  private readonly backoff: Backoff;
  private readonly clock: () => number;
  private readonly idleFlushMs: number;
  private readonly setUpGauge: (labels: Record<string, string>, value: number) => void;
  private readonly countReconnect: (labels?: Record<string, string>) => void;
  private readonly countOpenFailure: (labels?: Record<string, string>) => void;
  private running = false;
  private state: LinkState = 'unknown';
  private port: SerialPort | undefined;
  private opening: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SerialLinkOptions) {
    this.link = `serial:${opts.config.path}`;
    this.clock = opts.clock ?? Date.now;
    this.idleFlushMs = opts.idleFlushMs ?? 250;
    this.backoff = new Backoff(opts.retryMinMs ?? 1000, opts.retryMaxMs ?? 30_000, opts.random);
    this.setUpGauge = opts.metrics.gauge('carewatch_serial_link_up', 'Serial port open (1) or lost (0), by link');
    this.countReconnect = opts.metrics.counter('carewatch_serial_reconnects_total', 'Serial ports reopened after they were lost, by link');
    this.countOpenFailure = opts.metrics.counter('carewatch_serial_open_failures_total', 'Failed attempts to open a serial port, by link');
  }

  get isUp(): boolean {
    return this.state === 'up';
  }

  /** Resolves after the first attempt to open, whether or not it succeeded (a missing receiver is a link down, not a failed gateway). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.open();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retryTimer);
    clearTimeout(this.idleTimer);
    this.retryTimer = this.idleTimer = undefined;
    await this.opening;
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private open(): Promise<void> {
    const { config, binding } = this.opts;
    const port = new SerialPort({
      path: config.path,
      baudRate: config.baudRate,
      autoOpen: false,
      // SerialPort's own constructor lets a given binding override the detected one.
      ...(binding ? { binding } : {}),
    } as PortOptions);
    const receiver = this.receiverFor(config.framing);
    this.port = port;
    port.on('data', (chunk: Buffer) => this.onData(port, receiver, chunk));
    port.on('close', (err: Error | null) => this.onClose(port, receiver, err));
    // Write errors and late errors: the close that follows (if any) is what counts.
    port.on('error', (err: Error) => this.opts.log.warn({ err, link: this.link }, 'serial port error'));
    this.opening = new Promise<void>((resolve) => {
      port.open((err) => {
        this.opening = undefined;
        if (!this.running) return resolve(); // stopped while opening: stop() closes it
        if (err) {
          this.port = undefined;
          this.countOpenFailure({ link: this.link });
          this.lost(`cannot open: ${err.message}`);
        } else {
          this.up();
        }
        resolve();
      });
    });
    return this.opening;
  }

  private receiverFor(framing: SerialPortConfig['framing']): FrameReceiver {
    const ingest = new SerialIngest({
      siteId: this.opts.siteId,
      transport: framing,
      link: this.link,
      registry: this.opts.registry,
      rejections: this.opts.rejections,
      metrics: this.opts.metrics,
      log: this.opts.log,
      clock: this.clock,
    });
    return framing === 'rflink' ? new RflinkReceiver(ingest) : new Gb26875Receiver(ingest);
  }

  private onData(port: SerialPort, receiver: FrameReceiver, chunk: Buffer): void {
    if (port !== this.port) return;
    // Receivers turn bad input into counted rejections; anything thrown here is a bug, and a
    // throw out of a 'data' listener would take the whole gateway down with it.
    try {
      this.write(port, receiver.receive(chunk));
    } catch (err) {
      this.opts.log.error({ err, link: this.link }, 'serial frame handling failed');
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = receiver.pendingBytes > 0
      ? setTimeout(() => {
        this.idleTimer = undefined;
        if (port === this.port) this.write(port, receiver.flush());
      }, this.idleFlushMs)
      : undefined;
  }

  private write(port: SerialPort, replies: Buffer[]): void {
    for (const reply of replies) port.write(reply);
  }

  private onClose(port: SerialPort, receiver: FrameReceiver, err: Error | null): void {
    if (port !== this.port) return;
    this.port = undefined;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    receiver.flush(); // the port is gone: replies to a salvaged frame cannot be written
    if (this.running) this.lost(err ? err.message : 'port closed');
  }

  private up(): void {
    if (this.state === 'down') this.countReconnect({ link: this.link });
    this.backoff.reset();
    this.setState('up');
    this.opts.log.info({ link: this.link, siteId: this.opts.siteId, framing: this.opts.config.framing }, 'serial port open');
  }

  private lost(why: string): void {
    const delay = this.backoff.next();
    if (this.state !== 'down') {
      this.opts.log.warn({ link: this.link, siteId: this.opts.siteId, why, retryInMs: delay }, 'serial port lost');
      this.setState('down');
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.running) void this.open();
    }, delay);
  }

  private setState(state: 'up' | 'down'): void {
    this.state = state;
    this.setUpGauge({ link: this.link }, state === 'up' ? 1 : 0);
    this.opts.registry.get(this.opts.siteId)?.pushLink({
      siteId: this.opts.siteId,
      link: this.link,
      transport: this.opts.config.framing,
      up: state === 'up',
      ts: this.clock(),
    });
  }
}
