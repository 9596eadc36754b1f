import type { Socket } from 'node:net';
import { type Rejected, reject } from '../../devices/decoded.ts';
import type { Logger } from '../log.ts';
import type { Rejections } from '../rejections.ts';
import type { SiteRegistry } from '../site/site-registry.ts';
import { IwProtocol } from './iw-protocol.ts';
import { Watch3gProtocol } from './watch3g-protocol.ts';
import type { WatchProtocol } from './watch-protocol.ts';

/** Why the gateway closed a watch's connection (a metric label). */
export type CloseReason = 'unknown_device' | 'garbage' | 'store_failed' | 'not_reading' | 'idle' | 'impersonation' | 'over_cap';

export interface WatchConnectionDeps {
  registry: SiteRegistry;
  rejections: Rejections;
  log: Logger;
  clock: () => number;
  maxFrameBytes: number;
  /** Frames naming no known watch before the connection is closed. */
  maxUnknownFrames: number;
  /** Rejected frames/noise tolerated before the first good frame (a port scanner, a wrong client). */
  maxRejectsBeforeGood: number;
  /** Replies the watch has not read; beyond this it is not reading and is dropped. */
  maxUnsentBytes: number;
  frameSeen: (protocol: string, messageKind: string) => void;
  lengthMismatch: () => void;
  closing: (why: CloseReason) => void;
  /**
   * The connection's first good frame named this watch: it is now that watch's connection.
   * False: over a cap (the listener has closed the socket).
   */
  identified?: (deviceId: string) => boolean;
}

const OPEN_BRACKET = 0x5b; // "[" starts a "3G*" frame
const IW_START = Buffer.from('IW');
const I = 0x49;

/**
 * One watch's TCP connection. The first `[` or `IW` picks the protocol ("3G*" or "IW"), so one
 * port serves both families. Frames of one read are handled in order, synchronously: each reading
 * is pushed (rules run, events stored), then its reply is written — durable first, then the ACK.
 */
export class WatchConnection {
  private protocol: WatchProtocol | undefined;
  /** A trailing "I" that may be the start of "IW" in the next read. */
  private held: Buffer | undefined;
  private undecidedBytes = 0;
  private unknownFrames = 0;
  private rejectsBeforeGood = 0;
  private good = false;
  private closed = false;
  /** The watch this connection identified as with its first good frame; it speaks for no other. */
  private watchDeviceId: string | undefined;

  constructor(private readonly socket: Socket, private readonly deps: WatchConnectionDeps) {}

  get remote(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  onData(chunk: Buffer): void {
    if (this.closed) return;
    const bytes = this.protocol ? chunk : this.detect(chunk);
    if (!bytes || !this.protocol) return;
    const receivedAt = this.deps.clock();
    const { frames, rejects } = this.protocol.split(bytes);
    for (const r of rejects) this.refuse(r);
    for (const frame of frames) {
      if (this.closed) return;
      this.onFrame(this.protocol, frame, receivedAt);
    }
  }

  /** The connection ended (either side): nothing more is written. */
  onClose(): void {
    this.closed = true;
  }

  close(why: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.deps.closing(why);
    this.socket.destroy();
  }

  private onFrame(protocol: WatchProtocol, frame: Buffer, receivedAt: number): void {
    const out = protocol.handle(frame, receivedAt);
    if (out.kind === 'rejected') {
      this.refuse(out.rejected);
      if (out.unknownDevice && ++this.unknownFrames >= this.deps.maxUnknownFrames) this.close('unknown_device');
      return;
    }
    // Bound to the first watch it identified as (issue 16: one connection could speak for every
    // watch): a frame for another watch is refused, counted, and the connection closed.
    // Device ids are per site (every home has its `watch`): the site is part of who it is.
    const deviceId = `${out.reading.siteId}/${out.reading.deviceId}`;
    const first = this.watchDeviceId === undefined;
    if (first) this.watchDeviceId = deviceId;
    else if (deviceId !== this.watchDeviceId) {
      this.deps.rejections.record('watch3g', reject('identity', `a connection of watch device "${this.watchDeviceId}" sent a frame for "${deviceId}"`), { remote: this.remote, protocol: protocol.name });
      this.close('impersonation');
      return;
    }
    try {
      out.located.runtime.push(out.reading);
    } catch (err) {
      // Not durable, so not acknowledged: the watch resends after it reconnects.
      this.deps.log.error({ err, deviceId: out.reading.deviceId, remote: this.remote }, 'could not store an event of a watch; closing its connection so it resends');
      this.close('store_failed');
      return;
    }
    this.good = true;
    this.deps.frameSeen(protocol.name, out.messageKind);
    if (out.lengthMismatch) this.deps.lengthMismatch();
    if (out.warning) this.deps.rejections.record('watch3g', out.warning, { remote: this.remote, protocol: protocol.name });
    if (out.reply) this.write(out.reply);
    // Identified: out of the pre-login pool. Over a cap of identified watches, the frame is
    // stored and answered all the same (an SOS is never dropped), then the socket is closed.
    if (first && this.deps.identified && !this.deps.identified(deviceId) && !this.closed) {
      this.closed = true;
      this.deps.closing('over_cap');
    }
  }

  private write(reply: Buffer): void {
    this.socket.write(reply);
    if (this.socket.writableLength > this.deps.maxUnsentBytes) this.close('not_reading');
  }

  private refuse(rejected: Rejected): void {
    this.deps.rejections.record('watch3g', rejected, { remote: this.remote, ...(this.protocol ? { protocol: this.protocol.name } : {}) });
    if (!this.good && ++this.rejectsBeforeGood > this.deps.maxRejectsBeforeGood) this.close('garbage');
  }

  /** Picks the protocol from the first frame start; returns the bytes from there on. */
  private detect(chunk: Buffer): Buffer | undefined {
    const bytes = this.held ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = undefined;
    const bracket = bytes.indexOf(OPEN_BRACKET);
    const iw = bytes.indexOf(IW_START);
    const start = bracket >= 0 && (iw < 0 || bracket < iw) ? bracket : iw;
    if (start < 0) {
      const tail = bytes[bytes.length - 1] === I ? 1 : 0;
      if (tail) this.held = Buffer.from(bytes.subarray(bytes.length - 1));
      this.noise(bytes.subarray(0, bytes.length - tail));
      this.undecidedBytes += bytes.length;
      if (this.undecidedBytes > this.deps.maxFrameBytes) this.close('garbage');
      return undefined;
    }
    this.noise(bytes.subarray(0, start));
    const { registry, maxFrameBytes } = this.deps;
    this.protocol = start === bracket ? new Watch3gProtocol(registry, maxFrameBytes) : new IwProtocol(registry, maxFrameBytes);
    return bytes.subarray(start);
  }

  private noise(bytes: Buffer): void {
    if (bytes.length === 0 || isBlank(bytes)) return;
    this.refuse(reject('noise', `${bytes.length} byte(s) before the first "[" or "IW" frame`));
  }
}

function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x0d && b !== 0x0a && b !== 0x09) return false;
  return true;
}
