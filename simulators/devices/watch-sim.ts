import net from 'node:net';
import { type WatchAddress, type WatchFrameSpec, WatchFrameSplitter, decodeWatchFrame, encodeWatchFrame } from '../../devices/codecs/watch3g/index.ts';
import { type IwFrameSpec, IwFrameSplitter, encodeIwFrame } from '../../devices/codecs/iw/index.ts';

/** A frame spec without the address the simulator adds (distributes over the union's members). */
export type WatchFrameBody = WatchFrameSpec extends infer T ? (T extends unknown ? Omit<T, keyof WatchAddress> : never) : never;

export interface WatchSimOptions {
  /** The watch's 10-digit id or 15-digit IMEI (site file `watchId`). */
  deviceId: string;
  vendor?: string;
  /** Device clock (epoch ms); default Date.now. */
  clock?: () => number;
}

/**
 * A 4G watch speaking "3G*" to the gateway's watch port, encoding with the devices codec
 * (`encodeWatchFrame`): keep-alives, alarms, heart rate; it collects the gateway's replies.
 */
export class WatchSim {
  readonly deviceId: string;
  private socket: net.Socket | undefined;
  private readonly splitter = new WatchFrameSplitter();
  private readonly replies: string[] = [];
  private readonly waiters = new Set<() => void>();
  private closedFlag = false;

  constructor(private readonly opts: WatchSimOptions) {
    this.deviceId = opts.deviceId;
  }

  /** Reply types received so far, oldest first (`LK`, `AL`, …). */
  get received(): readonly string[] {
    return this.replies;
  }

  /** True once the gateway (or we) closed the connection. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** `localAddress`: the address to connect from (e.g. 127.0.0.2, a watch on another network). */
  async connect(host: string, port: number, opts: { localAddress?: string } = {}): Promise<this> {
    const socket = net.connect({ host, port, noDelay: true, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.splitter.push(chunk).frames) {
        const d = decodeWatchFrame(frame);
        if (d.ok) this.replies.push(d.value.type);
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closedFlag = true;
      this.wake();
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return this;
  }

  sendLK(fields: { steps?: number; battery?: number } = {}): void {
    this.send({ type: 'LK', ...fields });
  }

  /** An `AL` alarm report with the STATUS bits of the condition (bit 16 SOS, 21 fall, 20 taken off). */
  sendAlarm(alarm: { sos?: boolean; fall?: boolean; takenOff?: boolean }, position: { latitude?: number; longitude?: number; battery?: number } = {}): void {
    this.send({ type: 'AL', at: this.now(), ...alarm, ...position });
  }

  sendHeart(heartRate: number): void {
    this.send({ type: 'heart', heartRate });
  }

  /** Any frame the codec can encode. */
  send(spec: WatchFrameBody): void {
    this.sendRaw(this.encode(spec));
  }

  encode(spec: WatchFrameBody): Buffer {
    return encodeWatchFrame({ ...spec, deviceId: this.deviceId, vendor: this.opts.vendor ?? '3G' } as WatchFrameSpec);
  }

  /** Bytes as given: split frames, several frames, garbage. */
  sendRaw(bytes: Buffer | string): void {
    if (!this.socket) throw new Error('WatchSim: connect() first');
    this.socket.write(bytes);
  }

  /** Resolves once `count` (default 1) replies of `type` have arrived in all. */
  async waitForReply(type: string, opts: { timeoutMs?: number; count?: number } = {}): Promise<void> {
    const count = opts.count ?? 1;
    await this.waitUntil(() => this.replies.filter((t) => t === type).length >= count, `${count} "${type}" repl${count === 1 ? 'y' : 'ies'}`, opts.timeoutMs);
  }

  /** Resolves when the gateway has closed the connection. */
  async waitForClose(timeoutMs?: number): Promise<void> {
    await this.waitUntil(() => this.closedFlag, 'the connection to close', timeoutMs);
  }

  close(): void {
    this.socket?.destroy();
  }

  private now(): number {
    return (this.opts.clock ?? Date.now)();
  }

  private wake(): void {
    for (const w of this.waiters) w();
  }

  private waitUntil(done: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`WatchSim ${this.deviceId}: no ${what} within ${timeoutMs} ms (replies: ${this.replies.join(',') || 'none'})`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }
}

/**
 * A watch speaking "IW" (`IWAP…#`): logs in with its IMEI, then reports alarms, positions and
 * vitals encoded by the IW codec (`encodeIwFrame`), or frames as given (the fixtures' real ones).
 * Collects `IWBPxx` replies.
 */
export class IwWatchSim {
  private socket: net.Socket | undefined;
  private readonly splitter = new IwFrameSplitter();
  readonly replies: string[] = [];

  constructor(readonly imei: string) {}

  async connect(host: string, port: number): Promise<this> {
    const socket = net.connect({ host, port, noDelay: true });
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.splitter.push(chunk).frames) this.replies.push(frame.toString('latin1'));
    });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return this;
  }

  login(): void {
    this.send({ type: 'AP00', imei: this.imei });
  }

  /** One frame encoded by the codec. */
  send(spec: IwFrameSpec): void {
    if (!this.socket) throw new Error('IwWatchSim: connect() first');
    this.socket.write(encodeIwFrame(spec));
  }

  /** An AP10 alarm at a position (traccar's codes: 01 SOS, 05 fall); no fix without coordinates. */
  sendAlarm(alarm: { sos?: boolean; fall?: boolean }, at = Date.now(), position: { latitude?: number; longitude?: number; battery?: number } = {}): void {
    this.send({ type: 'AP10', at, alarmCode: alarm.sos ? '01' : alarm.fall ? '05' : '00', ...position });
  }

  /** One frame without its `#` (as traccar's tests and the fixtures write them). */
  sendFrame(frame: string): void {
    if (!this.socket) throw new Error('IwWatchSim: connect() first');
    this.socket.write(`${frame}#`, 'latin1');
  }

  async waitForReply(prefix: string, timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.replies.find((r) => r.startsWith(prefix));
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Error(`IwWatchSim ${this.imei}: no "${prefix}" reply within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.socket?.destroy();
  }
}
