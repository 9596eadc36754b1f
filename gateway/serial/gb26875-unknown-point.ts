import { DEFAULT_SEVERITY, type EventKind } from '../../contract/index.ts';
import type { GbReading } from '../../devices/codecs/gb26875/index.ts';
import type { EventDraft } from '../core/kit/event-draft.ts';
import type { WatchedDevice } from '../site/model.ts';

/**
 * A fire or fault from a component the site file does not list (issue 15 defect 2). A fire
 * panel's alarm is never dropped: it is raised against the panel — the site's `gb26875` device at
 * (system, 0), else the transmission device (0, 0), else the serial link — with the system and
 * component address and the panel's description of the point in the details, so staff can go to
 * it. Subject per point (`device:{panel}/gb:{system}:{component}`): two unknown detectors are two
 * alarms, and a point's restore clears its own.
 */
export class UnknownGbPoints {
  /** Subject|kind of conditions raised and not yet restored. */
  private readonly open = new Set<string>();

  constructor(private readonly siteId: string, private readonly link: string) {}

  /** The events this reading of an unlisted point raises or clears; none for a quiet point never raised. */
  drafts(r: GbReading, byAddress: ReadonlyMap<string, WatchedDevice>): EventDraft[] {
    const { systemAddress, componentAddress } = r.address;
    const panel = byAddress.get(`gb:${systemAddress}:0`) ?? byAddress.get('gb:0:0');
    const point = `gb:${systemAddress}:${componentAddress}`;
    const subject = (panel ? `device:${panel.id}/${point}` : `link:${this.link}/${point}`).slice(0, 140);
    const out: EventDraft[] = [];
    for (const [field, kind] of CONDITIONS) {
      const value = r.fields[field];
      if (typeof value !== 'boolean') continue;
      const key = `${subject}|${kind}`;
      if (!value && !this.open.has(key)) continue;
      if (value) this.open.add(key);
      else this.open.delete(key);
      out.push({
        siteId: this.siteId,
        kind,
        action: value ? 'raise' : 'clear',
        severity: DEFAULT_SEVERITY[kind],
        subject,
        ...(panel ? { deviceId: panel.id } : {}),
        ...(panel?.roomId ? { roomId: panel.roomId } : {}),
        ts: r.ts,
        source: { transport: 'gb26875', link: this.link },
        details: {
          unregistered: true,
          systemAddress,
          componentAddress,
          description: r.description?.slice(0, 200) ?? null,
          panel: panel ? (panel.device.name ?? panel.id) : null,
        },
      });
    }
    return out;
  }

  /** Whether the reading carries a fire or a fault (what must be raised, not only counted). */
  static alarm(r: GbReading): string | undefined {
    return CONDITIONS.find(([field]) => r.fields[field] === true)?.[0];
  }
}

const CONDITIONS: ReadonlyArray<readonly ['smoke' | 'heat' | 'water_flow' | 'fault', EventKind]> = [
  ['smoke', 'fire.smoke'],
  ['heat', 'fire.heat'],
  ['water_flow', 'fire.water_flow'],
  ['fault', 'device.fault'],
];
