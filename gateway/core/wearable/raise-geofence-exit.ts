import { type OperatorFunction, defer, filter, map } from 'rxjs';
import type { StateReading } from '../../../contract/index.ts';
import type { SiteModel } from '../../site/model.ts';
import type { EventDraft } from '../kit/event-draft.ts';
import { rulesFor } from '../kit/resident-rules.ts';
import type { RuleStateStore } from '../kit/rule-state.ts';
import { wearerEvent } from './wearer-event.ts';

export interface GeofenceOptions {
  site: SiteModel;
  state: RuleStateStore;
}

const EARTH_RADIUS_M = 6_371_008.8; // IUGG mean radius

/** Great-circle distance in metres (haversine). */
export function haversineM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * `wearable.geofence_exit` (major) when a resident flagged `wanderingRisk` who has a geofence
 * (`rules.wearable.geofence`, usually the resident's own) is reported farther than `radiusM` from
 * its centre; cleared on return. To keep GPS jitter at the fence from flapping the alarm, return
 * means back inside the radius less a margin (10 % of it, at most 50 m).
 * Only residents at risk are watched: a resident free to go out raises nothing.
 */
export function raiseGeofenceExit(opts: GeofenceOptions): OperatorFunction<StateReading, EventDraft> {
  const { site } = opts;
  const prefix = 'geofence:';
  return (readings) => defer(() => {
    const outside = new Set(opts.state.entries<true>(prefix).map(([k]) => k.slice(prefix.length)));
    return readings.pipe(
      filter((r) => r.fields.latitude !== undefined && r.fields.longitude !== undefined),
      map((r): EventDraft | undefined => {
        const device = site.devices.get(r.deviceId);
        if (!device?.residentId || site.residents.get(device.residentId)?.wanderingRisk !== true) return undefined;
        const fence = rulesFor(site, device.residentId).wearable.geofence;
        if (!fence) return undefined;
        const distanceM = haversineM(fence.latitude, fence.longitude, r.fields.latitude!, r.fields.longitude!);
        const wasOutside = outside.has(r.deviceId);
        const details = { distanceM: Math.round(distanceM), radiusM: fence.radiusM };
        if (!wasOutside && distanceM > fence.radiusM) {
          outside.add(r.deviceId);
          opts.state.set(prefix + r.deviceId, true);
          return wearerEvent(device, r, 'wearable.geofence_exit', 'raise', 'major', details);
        }
        if (wasOutside && distanceM <= fence.radiusM - Math.min(50, fence.radiusM * 0.1)) {
          outside.delete(r.deviceId);
          opts.state.delete(prefix + r.deviceId);
          return wearerEvent(device, r, 'wearable.geofence_exit', 'clear', 'major', details);
        }
        return undefined;
      }),
      filter((d): d is EventDraft => d !== undefined),
    );
  });
}
