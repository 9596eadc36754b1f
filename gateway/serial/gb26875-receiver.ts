import { reject } from '../../devices/decoded.ts';
import {
  Gb26875FrameSplitter, type GbReading, type SplitResult, decodeGb26875Frame, encodeGb26875Confirm, gbToReadings,
} from '../../devices/codecs/gb26875/index.ts';
import type { SiteRuntime } from '../site/site-runtime.ts';
import { UnknownGbPoints } from './gb26875-unknown-point.ts';
import type { FrameReceiver, SerialIngest } from './serial-ingest.ts';

/**
 * A GB/T 26875.3 receiver on a serial port (a user information transmission device, 用户信息传输装置):
 * frames → readings of the site's `gb26875` devices (address `gb:{system}:{component}`), and for
 * every send-data frame (command 2) a confirm (command 3) written back — only after its readings
 * went through the rules and were stored, since the transmission device repeats an unconfirmed
 * frame (the reference server confirms each upload, echoing serial and time: fixtures gb-011).
 * A frame whose reading could not be stored is left unconfirmed, so the panel sends it again.
 * A fire or fault of a point the site file does not list is raised against the panel, never
 * dropped, and confirmed only once stored (issue 15 defect 2).
 */
export class Gb26875Receiver implements FrameReceiver {
  readonly transport = 'gb26875' as const;
  private readonly splitter = new Gb26875FrameSplitter();
  private readonly unknownPoints: UnknownGbPoints;

  constructor(private readonly ingest: SerialIngest) {
    this.unknownPoints = new UnknownGbPoints(ingest.siteId, ingest.source.link);
  }

  get pendingBytes(): number {
    return this.splitter.pendingBytes;
  }

  receive(chunk: Buffer): Buffer[] {
    return this.settle(this.splitter.push(chunk));
  }

  flush(): Buffer[] {
    return this.settle(this.splitter.flush());
  }

  private settle(split: SplitResult): Buffer[] {
    for (const r of split.rejects) this.ingest.record(r);
    const replies: Buffer[] = [];
    for (const frame of split.frames) {
      const reply = this.frame(frame);
      if (reply) replies.push(reply);
    }
    return replies;
  }

  private frame(bytes: Buffer): Buffer | undefined {
    const { ingest } = this;
    const receivedAt = ingest.now();
    const decoded = decodeGb26875Frame(bytes);
    if (!decoded.ok) {
      ingest.reject(decoded, { frame: bytes.subarray(0, 40).toString('hex') });
      return undefined;
    }
    const frame = decoded.value;
    // Only send data (2) and response (5) carry device state; a confirm or deny from the panel
    // answers nothing we sent, and controls/requests are the centre's to send, not ours to obey.
    if (frame.command !== 2 && frame.command !== 5) {
      ingest.count('ignored');
      return undefined;
    }
    const runtime = ingest.runtime();
    if (!runtime) return undefined;
    let stored = true;
    for (const r of gbToReadings(frame, receivedAt)) {
      const { systemAddress, componentAddress } = r.address;
      const device = runtime.site.byAddress.get(`gb:${systemAddress}:${componentAddress}`);
      if (!device) {
        const what = r.description ? ` ("${r.description}")` : '';
        ingest.record(reject('unknown_device', `GB/T 26875.3 system ${systemAddress} component ${componentAddress}${what} is no device of site "${ingest.siteId}"`));
        if (!this.unlisted(runtime, r, what)) stored = false;
        continue;
      }
      if (!ingest.pushState(runtime, device.id, r.fields, r.ts, receivedAt)) stored = false;
    }
    ingest.count(stored ? 'decoded' : 'not_stored');
    return frame.command === 2 && stored ? encodeGb26875Confirm(frame) : undefined;
  }

  /**
   * A point the site file does not list: its fire or fault is raised against the panel
   * (gb26875-unknown-point.ts), anything else is a `device.unregistered` sighting. False when
   * the event could not be stored: the frame is then not confirmed and the panel repeats it.
   */
  private unlisted(runtime: SiteRuntime, r: GbReading, what: string): boolean {
    const { ingest } = this;
    const { systemAddress, componentAddress } = r.address;
    const link = ingest.source.link;
    const alarm = UnknownGbPoints.alarm(r);
    const sighting = {
      transport: 'gb26875' as const, link, address: `gb:${systemAddress}:${componentAddress}`, ts: r.ts,
      label: `GB/T 26875.3 system ${systemAddress} component ${componentAddress}${what} on ${link}`,
      alarm: alarm ? { what: alarm, critical: alarm !== 'fault' } : undefined,
      details: { systemAddress, componentAddress, description: r.description?.slice(0, 200) ?? null },
    };
    try {
      const drafts = this.unknownPoints.drafts(r, runtime.site.byAddress);
      if (drafts.length === 0) runtime.reportUnregistered(sighting);
      for (const d of drafts) runtime.reportUnregistered(sighting, d);
      return true;
    } catch (err) {
      ingest.log.error({ err, siteId: ingest.siteId, link, systemAddress, componentAddress }, 'event of an unlisted GB/T 26875.3 point not stored; frame not confirmed');
      return false;
    }
  }
}
