import type { Event, Gb26875LinkConfig, SiteFile } from '../../contract/index.ts';
import {
  decodeGb26875Frame, encodeGb26875Confirm, encodeGb26875Deny, encodeGb26875Frame, encodeTransmissionDeviceStatusData,
  encodeTransmissionDeviceTimeData, Gb26875FrameSplitter, timeFieldsToMs, type GbFrame,
} from '../../devices/codecs/gb26875/index.ts';
import type { Decoded } from '../../devices/decoded.ts';
import { eventToGb26875, GB_COMPONENT_OF_PROFILE, type GbComponent } from '../../devices/upstream/index.ts';
import { QueuedLink, type Outcome, type UpstreamLinkDeps } from './queued-link.ts';
import { ReplyTimeout, TcpReplyChannel } from './reply-channel.ts';
import type { QueuedEvent } from './upstream-queue.ts';

type Reply = Decoded<GbFrame>;

/**
 * The site as a user information transmission device of the city's fire remote-monitoring centre
 * (GB/T 26875.3): TCP to the centre, each fire-facility event a send-data frame (command 2) with
 * its serial number; confirm (3) is done, deny (6) or silence is tried again, `attempts` times,
 * then the link is lost and retried with backoff. A device status report (type 21) every
 * `heartbeatSec` is the agreed heartbeat. The centre's time sync (control, type 90) sets the
 * clock the frames carry; its reads of the device status (81) and time (88) are answered.
 */
export class Gb26875Link extends QueuedLink {
  private channel: TcpReplyChannel<Reply> | undefined;
  /** Centre clock minus ours, from its last time sync. */
  private clockOffsetMs = 0;

  constructor(
    private readonly config: Gb26875LinkConfig,
    deps: UpstreamLinkDeps,
    private readonly siteFile: (siteId: string) => SiteFile | undefined,
  ) {
    super(config.name, deps, config.site);
  }

  accepts(event: Event): boolean {
    return event.siteId === this.config.site && this.appData(event) !== null;
  }

  protected supervisionMs(): number {
    return this.config.heartbeatSec * 1000;
  }

  protected describe(): Record<string, string> {
    return { centre: `tcp://${this.config.centre.host}:${this.config.centre.port}` };
  }

  protected openChannels(): void {
    const opts = { tzOffsetMinutes: this.config.tzOffsetMinutes, checksum: this.config.checksum };
    const split = () => {
      const splitter = new Gb26875FrameSplitter({ checksum: this.config.checksum });
      return (chunk: Buffer) => splitter.push(chunk).frames.map((f) => decodeGb26875Frame(f, opts));
    };
    this.channel = new TcpReplyChannel<Reply>(this.config.centre, split);
    this.channel.onMessage((m, reply) => { if (m.ok) reply(this.answerCentre(m.value)); });
    // Connect at once: the centre may sync our clock before the first alarm.
    this.channel.open(this.config.confirmTimeoutMs).catch(() => undefined);
  }

  protected closeChannels(): void {
    this.channel?.close();
  }

  protected async deliver(row: QueuedEvent): Promise<Outcome> {
    const app = this.appData(row.event);
    if (!app) return 'refused';
    return this.send(this.deps.queue.seqFor(this.name, row, 0xffff), app);
  }

  protected async supervise(): Promise<boolean> {
    const status = encodeTransmissionDeviceStatusData([{ status: { normal_running: true }, time: this.now() }], this.config.tzOffsetMinutes);
    return (await this.send(this.deps.queue.nextSeq(this.name, 0xffff), status)) === 'acknowledged';
  }

  private now(): number {
    return this.clock() + this.clockOffsetMs;
  }

  private appData(event: Event): Buffer | null {
    return eventToGb26875(event, { componentOf: (e) => this.componentOf(e), tzOffsetMinutes: this.config.tzOffsetMinutes });
  }

  private componentOf(event: Event): GbComponent | null {
    if (!event.deviceId) return null;
    const devices = this.siteFile(event.siteId)?.devices ?? [];
    const index = devices.findIndex((d) => d.id === event.deviceId);
    const device = devices[index];
    const kind = device && GB_COMPONENT_OF_PROFILE[device.profile];
    if (!device || !kind) return null;
    const listed = this.config.components?.[device.id];
    return {
      systemType: listed?.systemType ?? kind.systemType,
      systemAddress: listed?.systemAddress ?? device.gb26875?.systemAddress ?? 0,
      componentType: listed?.componentType ?? kind.componentType,
      componentAddress: listed?.componentAddress ?? device.gb26875?.componentAddress ?? index + 1,
      description: device.name ?? device.id,
    };
  }

  private frame(serial: number, command: 2 | 5, appData: Buffer, destination = this.config.centreAddress): Buffer {
    return encodeGb26875Frame(
      { serial, time: this.now(), source: this.config.address, destination, command, appData },
      { tzOffsetMinutes: this.config.tzOffsetMinutes, checksum: this.config.checksum },
    );
  }

  private async send(serial: number, app: Buffer): Promise<Outcome> {
    const channel = this.channel!;
    for (let attempt = 1; attempt <= this.config.attempts; attempt++) {
      if (this.stopped) return 'unreachable';
      try {
        const r = await channel.request(this.frame(serial, 2, app), this.config.confirmTimeoutMs,
          (m) => m.ok && m.value.serial === serial && (m.value.command === 3 || m.value.command === 6));
        if ((r as { value: GbFrame }).value.command === 3) return 'acknowledged';
        this.retried('deny', `centre denied frame ${serial}`);
      } catch (err) {
        const timeout = err instanceof ReplyTimeout;
        this.retried(timeout ? 'timeout' : 'connection', (err as Error).message);
        if (!timeout) return 'unreachable';
      }
    }
    return 'unreachable';
  }

  /** The centre's own commands: time sync (control, 90), reads of status (81) and time (88). */
  private answerCentre(f: GbFrame): Buffer {
    const opts = { tzOffsetMinutes: this.config.tzOffsetMinutes, checksum: this.config.checksum };
    const unit = f.units[0] as { kind?: string; raw?: Buffer } | undefined;
    if (f.command === 1 && f.appType === 90 && unit?.raw && unit.raw.length >= 6) {
      const r = unit.raw;
      const ms = timeFieldsToMs({ second: r[0]!, minute: r[1]!, hour: r[2]!, day: r[3]!, month: r[4]!, year: 2000 + r[5]! }, this.config.tzOffsetMinutes);
      if (ms === null) return encodeGb26875Deny(f, new Date(this.now()), opts);
      this.clockOffsetMs = ms - this.clock();
      this.deps.log.info({ link: this.name, offsetMs: this.clockOffsetMs }, 'fire centre set the clock');
      return encodeGb26875Confirm(f, new Date(this.now()), opts);
    }
    if (f.command === 4 && f.appType === 81) {
      return this.frame(f.serial, 5, encodeTransmissionDeviceStatusData([{ status: { normal_running: true }, time: this.now() }], this.config.tzOffsetMinutes), f.source);
    }
    if (f.command === 4 && f.appType === 88) {
      return this.frame(f.serial, 5, encodeTransmissionDeviceTimeData(this.now(), this.config.tzOffsetMinutes), f.source);
    }
    return encodeGb26875Deny(f, new Date(this.now()), opts);
  }
}
