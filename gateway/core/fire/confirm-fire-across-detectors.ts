import { type OperatorFunction, type SchedulerLike, defer, filter, map } from 'rxjs';
import type { SiteModel, WatchedDevice } from '../../site/model.ts';
import type { EventDraft } from '../kit/event-draft.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';

export interface ConfirmFireOptions {
  site: SiteModel;
  scheduler: SchedulerLike;
  state: RuleStateStore;
}

type FireKind = 'fire.smoke' | 'fire.heat' | 'fire.water_flow';
const FIRE_KINDS: ReadonlySet<string> = new Set<FireKind>(['fire.smoke', 'fire.heat', 'fire.water_flow']);

/** A fire condition raised recently by one device, with where the device is. */
interface RecentAlarm {
  kind: FireKind;
  at: number;
  zone?: string;
  floor?: string;
  roomId?: string;
}

/** A confirmed zone: the devices whose alarms confirmed it; it clears when they all have. */
interface Confirmation {
  contributors: string[];
}

/**
 * `fire.confirmed` — the signal to call the fire brigade — when two fire signals agree within
 * `rules.fire.confirmWindowSec` (default 120 s): two detectors (smoke or heat) in one fire zone,
 * or a detector plus a water-flow switch in the same zone or on the same floor. This is the
 * coincidence ("double-knock") dependency of EN 54-2 7.12 / GB 50116 4.1.6: one detector may be
 * dust or steam, two that agree are a fire. One device alone never confirms.
 * Input: the drafts of the fire rules (raise/clear of smoke, heat, flow); output: zone events.
 */
export function confirmFireAcrossDetectors(opts: ConfirmFireOptions): OperatorFunction<EventDraft, EventDraft> {
  const { site, scheduler, state } = opts;
  const windowMs = site.rules.fire.confirmWindowSec * 1000;
  const RECENT = 'confirm:recent:';
  const OPEN = 'confirm:open:';
  const ZONE = 'confirm:zone:';
  return (drafts) => defer(() => {
    const recent = new Map(state.entries<RecentAlarm>(RECENT).map(([k, v]) => [k.slice(RECENT.length), v]));
    const open = new Set(state.entries<true>(OPEN).map(([k]) => k.slice(OPEN.length)));
    const confirmed = new Map(state.entries<Confirmation>(ZONE).map(([k, v]) => [k.slice(ZONE.length), v]));

    const prune = (now: number): void => {
      for (const [id, a] of recent) {
        if (now - a.at > windowMs) {
          recent.delete(id);
          state.delete(RECENT + id);
        }
      }
    };

    const onRaise = (d: EventDraft, device: WatchedDevice): EventDraft | undefined => {
      const now = scheduler.now();
      prune(now);
      const mine: RecentAlarm = { kind: d.kind as FireKind, at: now, ...placeOf(site, device) };
      recent.set(device.id, mine);
      state.set(RECENT + device.id, mine);
      open.add(device.id);
      state.set(OPEN + device.id, true);
      for (const [otherId, other] of recent) {
        if (otherId === device.id) continue;
        const zone = agreeingZone(mine, other);
        if (zone === undefined) continue;
        const already = confirmed.get(zone);
        if (already) {
          // The fire is already confirmed there: a further detector joins it, no new alarm.
          for (const id of [device.id, otherId]) if (!already.contributors.includes(id)) already.contributors.push(id);
          state.set(ZONE + zone, already);
          return undefined;
        }
        const confirmation: Confirmation = { contributors: [otherId, device.id] };
        confirmed.set(zone, confirmation);
        state.set(ZONE + zone, confirmation);
        const detector = mine.kind === 'fire.water_flow' ? other : mine;
        return {
          siteId: d.siteId,
          kind: 'fire.confirmed',
          action: 'raise',
          severity: 'critical',
          subject: `zone:${zone}`,
          ...(detector.roomId ? { roomId: detector.roomId } : {}),
          ts: d.ts,
          ...(d.source ? { source: d.source } : {}),
          details: { first: otherId, firstKind: other.kind, second: device.id, secondKind: mine.kind, withinSec: (now - other.at) / 1000 },
        };
      }
      return undefined;
    };

    const onClear = (d: EventDraft, device: WatchedDevice): EventDraft | undefined => {
      open.delete(device.id);
      state.delete(OPEN + device.id);
      for (const [zone, c] of confirmed) {
        if (!c.contributors.includes(device.id) || c.contributors.some((id) => open.has(id))) continue;
        confirmed.delete(zone);
        state.delete(ZONE + zone);
        return {
          siteId: d.siteId, kind: 'fire.confirmed', action: 'clear', severity: 'critical', subject: `zone:${zone}`, ts: d.ts,
          ...(d.source ? { source: d.source } : {}),
        };
      }
      return undefined;
    };

    return drafts.pipe(
      map((d): EventDraft | undefined => {
        if (!FIRE_KINDS.has(d.kind) || d.deviceId === undefined) return undefined;
        const device = site.devices.get(d.deviceId);
        if (!device) return undefined;
        if (d.action === 'raise') return onRaise(d, device);
        if (d.action === 'clear') return onClear(d, device);
        return undefined;
      }),
      filter((d): d is EventDraft => d !== undefined),
    );
  });
}

function placeOf(site: SiteModel, device: WatchedDevice): Pick<RecentAlarm, 'zone' | 'floor' | 'roomId'> {
  const room = device.roomId ? site.rooms.get(device.roomId) : undefined;
  return {
    ...(device.zone ? { zone: device.zone } : {}),
    ...(room ? { floor: `${room.buildingId}.${room.floorId}` } : {}),
    ...(device.roomId ? { roomId: device.roomId } : {}),
  };
}

/** The zone two fire signals confirm, if they agree: detector+detector in one zone, detector+flow in a zone or floor. */
function agreeingZone(a: RecentAlarm, b: RecentAlarm): string | undefined {
  const aFlow = a.kind === 'fire.water_flow';
  const bFlow = b.kind === 'fire.water_flow';
  if (aFlow && bFlow) return undefined; // two flow switches are one sprinkler system, not a second opinion
  if (!aFlow && !bFlow) return a.zone !== undefined && a.zone === b.zone ? a.zone : undefined;
  const detector = aFlow ? b : a;
  const flow = aFlow ? a : b;
  if (detector.zone === undefined) return undefined;
  if (detector.zone === flow.zone) return detector.zone;
  return detector.floor !== undefined && detector.floor === flow.floor ? detector.zone : undefined;
}
