import { createServer, type Server, type Socket } from 'node:net';
import {
  decodeGb26875Frame, encodeGb26875Confirm, encodeGb26875Deny, encodeGb26875Frame, Gb26875FrameSplitter, msToTimeFields,
  type GbFrame, type GbInfoUnit,
} from '../../devices/codecs/gb26875/index.ts';

/**
 * A city fire remote-monitoring centre for tests and integrators (GB/T 26875.3): takes TCP
 * connections from user information transmission devices, decodes every frame (sum check,
 * length, application data), confirms each send-data frame (command 3) or denies it (6) when
 * told to, keeps each frame once (a repeat of a device's serial with the same data is confirmed
 * again and not recorded again), and can sync the devices' clocks (control, type 90).
 */
export interface Gb26875CentreOptions {
  host?: string;
  port?: number;
  /** Deny the first N send-data frames that carry events (heartbeats are always confirmed). */
  denyFirst?: number;
  /** The centre's address in replies and commands. */
  address?: number;
  tzOffsetMinutes?: number;
  clock?: () => number;
}

export interface ReceivedGbFrame {
  source: number;
  serial: number;
  appType: number | null;
  appTypeName: string | null;
  units: GbInfoUnit[];
  /** The frame's own time label (epoch ms at the centre's offset). */
  time: number | null;
  receivedAt: number;
}

export class Gb26875Centre {
  readonly received: ReceivedGbFrame[] = [];
  /** `deviceConfirmed` / `deviceDenied`: the device's answers to this centre's own commands (time sync). */
  readonly counts = { confirmed: 0, denied: 0, duplicates: 0, heartbeats: 0, refused: 0, deviceConfirmed: 0, deviceDenied: 0 };
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly seen = new Set<string>();
  private denyLeft: number;
  private serial = 0;
  private readonly clock: () => number;
  private readonly listeners: Array<(f: ReceivedGbFrame) => void> = [];
  port = 0;

  constructor(private readonly opts: Gb26875CentreOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.denyLeft = opts.denyFirst ?? 0;
  }

  onFrame(listener: (f: ReceivedGbFrame) => void): void {
    this.listeners.push(listener);
  }

  get connections(): number {
    return this.sockets.size;
  }

  async start(): Promise<number> {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      const splitter = new Gb26875FrameSplitter();
      socket.on('data', (chunk) => {
        for (const frame of splitter.push(chunk).frames) {
          const answer = this.handle(frame);
          if (answer) socket.write(answer);
        }
      });
      socket.on('error', () => undefined);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => { this.server!.once('error', reject); this.server!.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => resolve()); });
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Control command, type 90: every connected device sets its clock to `ms`. */
  syncTime(ms: number): void {
    const tz = this.opts.tzOffsetMinutes ?? 480;
    const t = msToTimeFields(ms, tz);
    const app = Buffer.from([90, 1, t.second, t.minute, t.hour, t.day, t.month, t.year - 2000]);
    this.serial = (this.serial + 1) & 0xffff;
    const frame = encodeGb26875Frame({ serial: this.serial, time: ms, source: this.opts.address ?? 0, destination: 0, command: 1, appData: app }, { tzOffsetMinutes: tz });
    for (const s of this.sockets) s.write(frame);
  }

  /**
   * Request command (4) to every connected device: 81 read its status, 88 read its time (one
   * object, by default one reserved byte as gb-007's request; 61 takes system type and address).
   * Its answer (command 5) is recorded.
   */
  request(appType: number, object: number[] = [0]): void {
    const tz = this.opts.tzOffsetMinutes ?? 480;
    this.serial = (this.serial + 1) & 0xffff;
    const frame = encodeGb26875Frame({ serial: this.serial, time: this.clock(), source: this.opts.address ?? 0, destination: 0, command: 4, appData: Buffer.from([appType, 1, ...object]) }, { tzOffsetMinutes: tz });
    for (const s of this.sockets) s.write(frame);
  }

  /** The answer to one frame, or null when none is due (a confirm or response from the device). */
  handle(bytes: Buffer): Buffer | null {
    const now = new Date(this.clock());
    const tz = this.opts.tzOffsetMinutes ?? 480;
    const decoded = decodeGb26875Frame(bytes, { tzOffsetMinutes: tz });
    if (!decoded.ok) { this.counts.refused += 1; return null; }
    const f = decoded.value;
    if (f.command === 3) { this.counts.deviceConfirmed += 1; return null; }
    if (f.command === 6) { this.counts.deviceDenied += 1; return null; }
    if (f.command !== 2) { if (f.command === 5) this.record(f, now.getTime()); return null; }
    const heartbeat = f.appType === 21 && f.units.every((u) => (u as { status?: Record<string, boolean> }).status?.normal_running);
    if (heartbeat) { this.counts.heartbeats += 1; this.counts.confirmed += 1; return encodeGb26875Confirm(f, now, { tzOffsetMinutes: tz }); }
    if (this.denyLeft > 0) { this.denyLeft -= 1; this.counts.denied += 1; return encodeGb26875Deny(f, now, { tzOffsetMinutes: tz }); }
    const id = `${f.source}|${f.serial}|${bytes.subarray(27, 27 + f.appDataLength).toString('hex')}`;
    if (this.seen.has(id)) this.counts.duplicates += 1;
    else { this.seen.add(id); this.record(f, now.getTime()); }
    this.counts.confirmed += 1;
    return encodeGb26875Confirm(f, now, { tzOffsetMinutes: tz });
  }

  private record(f: GbFrame, receivedAt: number): void {
    const r: ReceivedGbFrame = { source: f.source, serial: f.serial, appType: f.appType, appTypeName: f.appTypeName, units: f.units, time: f.time, receivedAt };
    this.received.push(r);
    for (const l of this.listeners) l(r);
  }
}
