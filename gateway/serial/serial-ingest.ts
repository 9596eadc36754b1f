import type { DeviceFields } from '../../contract/index.ts';
import { type Rejected, reject } from '../../devices/decoded.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Rejections } from '../rejections.ts';
import type { SiteRegistry } from '../site/site-registry.ts';
import type { SiteRuntime } from '../site/site-runtime.ts';

export type SerialTransport = 'rflink' | 'gb26875';

/** What became of one frame (an RFLink line, a GB/T 26875.3 frame) after framing. */
export type FrameOutcome = 'decoded' | 'ignored' | 'rejected' | 'not_stored';

/**
 * Turns bytes read from one port into readings and the replies the device expects. Codecs stay
 * pure (devices/); a receiver only ties their splitter, decoder and address lookup together.
 */
export interface FrameReceiver {
  readonly transport: SerialTransport;
  /** Bytes held for a frame not yet complete. */
  readonly pendingBytes: number;
  /** Bytes as read; returns what to write back, to be written only now that the readings are stored. */
  receive(chunk: Buffer): Buffer[];
  /** The line went idle or closed: a partial frame can never complete. */
  flush(): Buffer[];
}

export interface SerialIngestOptions {
  siteId: string;
  transport: SerialTransport;
  /** `serial:{path}`: the link readings came through and LinkStatus names. */
  link: string;
  registry: SiteRegistry;
  rejections: Rejections;
  metrics: Metrics;
  log: Logger;
  clock: () => number;
}

/** What the receivers of one port share: the site lookup, the push, the counting. */
export class SerialIngest {
  readonly source: { transport: SerialTransport; link: string };
  private readonly countFrame: (labels?: Record<string, string>) => void;

  constructor(private readonly opts: SerialIngestOptions) {
    this.source = { transport: opts.transport, link: opts.link };
    this.countFrame = opts.metrics.counter('carewatch_serial_frames_total', 'Frames read from serial ports, by link and outcome (rejections by reason: carewatch_rejected_total)');
  }

  get siteId(): string {
    return this.opts.siteId;
  }

  get log(): Logger {
    return this.opts.log;
  }

  now(): number {
    return this.opts.clock();
  }

  /** Looked up per frame: a site file reload swaps the runtime while the port stays open. */
  runtime(): SiteRuntime | undefined {
    const runtime = this.opts.registry.get(this.opts.siteId);
    if (!runtime) this.reject(reject('unknown_site', `site "${this.opts.siteId}" of ${this.opts.link} is not watched by this gateway`));
    return runtime;
  }

  count(outcome: FrameOutcome): void {
    this.countFrame({ link: this.opts.link, outcome });
  }

  /** The whole frame is refused: counted as a rejected frame and by reason. */
  reject(rejected: Rejected, context: Record<string, unknown> = {}): void {
    this.count('rejected');
    this.record(rejected, context);
  }

  /** Counted by reason only: bytes that never became a frame, or one reading of a frame. */
  record(rejected: Rejected, context: Record<string, unknown> = {}): void {
    this.opts.rejections.record(this.opts.transport, rejected, { siteId: this.opts.siteId, link: this.opts.link, ...context });
  }

  /**
   * Runs one device's fields through the site's rules. False when an event it raised could not
   * be stored: the caller then withholds the acknowledgement so the device repeats the report.
   */
  pushState(runtime: SiteRuntime, deviceId: string, fields: DeviceFields, ts: number, receivedAt: number): boolean {
    try {
      runtime.push({ type: 'state', siteId: this.opts.siteId, deviceId, ts, receivedAt, source: this.source, fields });
      return true;
    } catch (err) {
      this.opts.log.error({ err, siteId: this.opts.siteId, deviceId, link: this.opts.link }, 'reading not stored; not acknowledged');
      return false;
    }
  }
}
