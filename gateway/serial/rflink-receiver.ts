import type { ProfileId } from '../../devices/profile-ids.ts';
import { reject } from '../../devices/decoded.ts';
import {
  RflinkLineSplitter, type SplitResult, decodeRflinkLine, rflinkLookupKeys, rflinkToFields, type RflinkMessage,
} from '../../devices/codecs/rflink/index.ts';
import type { FrameReceiver, SerialIngest } from './serial-ingest.ts';

/**
 * An RFLink receiver on a serial port: lines → device messages → the site's `rflink` devices.
 * RFLink is receive-only here: nothing is written back (RFLink has no acknowledgement).
 * Lines that are not received RF — banner, PONG/OK replies, DEBUG pulse dumps, `10;`/`11;` host
 * commands and echoes — are ignored, never turned into alarms (fixtures README §2, rfl-025).
 */
export class RflinkReceiver implements FrameReceiver {
  readonly transport = 'rflink' as const;
  private readonly splitter = new RflinkLineSplitter();

  constructor(private readonly ingest: SerialIngest) {}

  get pendingBytes(): number {
    return this.splitter.pendingBytes;
  }

  receive(chunk: Buffer): Buffer[] {
    this.settle(this.splitter.push(chunk));
    return [];
  }

  flush(): Buffer[] {
    this.settle(this.splitter.flush());
    return [];
  }

  private settle(split: SplitResult): void {
    for (const r of split.rejects) this.ingest.record(r);
    for (const line of split.frames) this.line(line);
  }

  private line(line: string): void {
    const { ingest } = this;
    const receivedAt = ingest.now();
    const decoded = decodeRflinkLine(line);
    if (!decoded.ok) return ingest.reject(decoded, { line: line.slice(0, 80) });
    const msg = decoded.value;
    if (msg.kind !== 'device') {
      // A banner means the receiver rebooted (seq 00): worth one line in the log.
      if (msg.kind === 'banner') ingest.log.info({ siteId: ingest.siteId, link: ingest.source.link, banner: msg.text }, 'RFLink receiver started');
      return ingest.count('ignored');
    }
    const runtime = ingest.runtime();
    if (!runtime) return;
    const device = this.deviceOf(msg, runtime.site.byAddress);
    if (!device) {
      const sw = msg.switch !== undefined ? ` SWITCH=${msg.switch}` : '';
      ingest.reject(reject('unknown_device', `${msg.protocol} ID=${msg.id}${sw} is no device of site "${ingest.siteId}"`));
      // Issue 15: never nothing. A 433 MHz detector or button transmits when triggered (CMD=ON);
      // a neighbour's weather sensor (values only) is a quiet sighting, raised once an hour.
      const address = `rflink:${msg.protocol.toLowerCase()}:${msg.id.toLowerCase()}:${(msg.switch ?? '').toLowerCase()}`;
      try {
        runtime.reportUnregistered({
          transport: 'rflink', link: ingest.source.link, address, ts: receivedAt,
          label: `RFLink ${msg.protocol} ID=${msg.id}${sw} on ${ingest.source.link}`,
          alarm: rflinkAlarm(msg),
        });
      } catch (err) {
        ingest.log.error({ err, siteId: ingest.siteId, link: ingest.source.link, address }, 'unregistered RFLink device: its event could not be stored');
      }
      return;
    }
    const fields = rflinkToFields(msg, device.profileId as ProfileId);
    if (!fields.ok) return ingest.reject(fields, { deviceId: device.id });
    // RFLink lines carry no time: the receive time is the device time.
    ingest.count(ingest.pushState(runtime, device.id, fields.value, receivedAt, receivedAt) ? 'decoded' : 'not_stored');
  }

  /** Exact switch first, then a device configured for every switch of the ID. */
  private deviceOf<T>(msg: RflinkMessage, byAddress: ReadonlyMap<string, T>): T | undefined {
    for (const key of rflinkLookupKeys(msg)) {
      const device = byAddress.get(key);
      if (device) return device;
    }
    return undefined;
  }
}

/** A triggered transmitter (CMD=ON/ALLON) or an alert value is an alarm; sensor values are not. */
function rflinkAlarm(msg: RflinkMessage): { what: string; critical: boolean } | undefined {
  if (msg.cmd === 'ON' || msg.cmd === 'ALLON') return { what: `CMD=${msg.cmd}`, critical: false };
  const alert = Object.keys(msg.values).find((k) => /ALERT|ALARM|SOS|PANIC/i.test(k));
  return alert ? { what: alert, critical: false } : undefined;
}
