import { type OperatorFunction, type SchedulerLike, defer } from 'rxjs';
import { NONE, emitEach } from '../kit/emit-each.ts';
import type { LinkStatus, Transport } from '../../../contract/index.ts';
import type { SiteModel, WatchedDevice } from '../../site/model.ts';
import type { EventDraft } from '../kit/event-draft.ts';
import { linkDraft } from '../kit/rule-drafts.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';

/** Stored as `linkdown:{name}` while a link is down. */
interface DownRecord {
  transport: Transport;
  since: number;
  devices: number;
}

const KEY = 'linkdown:';

/**
 * Which link each device is behind, and which links are down: shared by the link rule (which
 * marks links) and the silence rule (which then keeps quiet about the devices behind them).
 * A device's link is what its readings say (`source.link`), else what its site entry implies:
 * its Zigbee2MQTT bridge (`device.bridge`, else the site's first), its platform, or the only
 * serial port of its framing. Native MQTT devices talk to the gateway's own broker: no link.
 */
export class LinkRegistry {
  private readonly learned = new Map<string, string>();
  private readonly down = new Map<string, DownRecord>();
  private readonly upAt = new Map<string, number>();

  constructor(private readonly site: SiteModel, private readonly state: RuleStateStore) {
    for (const [key, rec] of state.entries<DownRecord>(KEY)) this.down.set(key.slice(KEY.length), rec);
  }

  /** Remember the link a device's reading came through. */
  learn(deviceId: string, link: string | undefined): void {
    if (link !== undefined && this.learned.get(deviceId) !== link) this.learned.set(deviceId, link);
  }

  linkOf(d: WatchedDevice): string | undefined {
    const learned = this.learned.get(d.id);
    if (learned !== undefined) return learned;
    const entry = d.device;
    switch (entry.transport) {
      // The same link names the transports put in `source.link` and in LinkStatus.
      case 'zigbee2mqtt': return `zigbee2mqtt:${entry.bridge ?? this.site.file.bridges[0]?.name ?? 'zigbee2mqtt'}`;
      case 'platform': return entry.platform;
      case 'rflink':
      case 'gb26875': {
        const ports = this.site.file.serial.filter((p) => p.framing === entry.transport);
        return ports.length === 1 ? `serial:${ports[0]!.path}` : undefined;
      }
      default: return undefined;
    }
  }

  private behind(d: WatchedDevice, link: string, transport: Transport): boolean {
    const own = this.linkOf(d);
    return own !== undefined ? own === link : d.device.transport === transport && d.device.transport !== 'mqtt';
  }

  /** The device is behind a link that is down: its silence is the link's, not its own. */
  isSuppressed(d: WatchedDevice): boolean {
    if (this.down.size === 0) return false;
    for (const [link, rec] of this.down) if (this.behind(d, link, rec.transport)) return true;
    return false;
  }

  /** When the device's link last came back up (its silence counts from then at the earliest). */
  upSince(d: WatchedDevice): number | undefined {
    if (this.upAt.size === 0) return undefined;
    const own = this.linkOf(d);
    return own === undefined ? undefined : this.upAt.get(own);
  }

  isDown(link: string): boolean {
    return this.down.has(link);
  }

  countBehind(link: string, transport: Transport): number {
    let n = 0;
    for (const d of this.site.devices.values()) if (this.behind(d, link, transport)) n++;
    return n;
  }

  markDown(s: LinkStatus, now: number): DownRecord {
    const rec: DownRecord = { transport: s.transport, since: now, devices: this.countBehind(s.link, s.transport) };
    this.down.set(s.link, rec);
    this.upAt.delete(s.link);
    this.state.set(KEY + s.link, rec);
    return rec;
  }

  markUp(s: LinkStatus, now: number): DownRecord | undefined {
    const rec = this.down.get(s.link);
    this.down.delete(s.link);
    this.upAt.set(s.link, now);
    this.state.delete(KEY + s.link);
    return rec;
  }
}

export interface RaiseOnLinkDownOptions {
  site: SiteModel;
  scheduler: SchedulerLike;
  registry: LinkRegistry;
}

/**
 * Root cause for a whole link (issue 11): a bridge, serial receiver or platform reported down
 * (LinkStatus `up: false`; the MQTT bridge transport maps Zigbee2MQTT's `bridge/state` offline to
 * it) is ONE `device.offline` with subject `link:{name}` and the number of devices behind it,
 * `major` because every detector behind it is blind; per-device offline for those devices is
 * suppressed (LinkRegistry) until the link is back. Repeated downs of a down link change nothing.
 */
export function raiseOnLinkDown(opts: RaiseOnLinkDownOptions): OperatorFunction<LinkStatus, EventDraft> {
  const { site, scheduler, registry } = opts;
  return (links) => defer(() => links.pipe(emitEach((s): readonly EventDraft[] => {
    if (s.siteId !== undefined && s.siteId !== site.id) return NONE;
    const now = scheduler.now();
    if (!s.up) {
      if (registry.isDown(s.link)) return NONE;
      const rec = registry.markDown(s, now);
      return [linkDraft(site, s.link, 'device.offline', 'raise', s.ts, {
        severity: 'major',
        details: { transport: s.transport, devicesAffected: rec.devices },
      })];
    }
    const rec = registry.markUp(s, now);
    if (!rec) return NONE;
    return [linkDraft(site, s.link, 'device.offline', 'clear', s.ts, {
      severity: 'major',
      details: { transport: s.transport, devicesAffected: rec.devices, downForSec: Math.round((now - rec.since) / 1000) },
    })];
  })));
}
