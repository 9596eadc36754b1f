import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SiteId } from '../../../contract/index.ts';
import type { ZodTypeProvider } from '../../plugins/external/zod-compiler.ts';
import { isoTime } from '../../services/alarm-lifecycle.ts';
import { allowRoles, ErrorBody, requireSite } from './guards.ts';

/**
 * Devices as the server knows them so far: every device that sent an event, its newest event
 * time, and its open `device.*` conditions. The registered-but-silent ones need the site file on
 * the server (a later step); until then a device that never reported is not listed.
 */
export const DeviceStatus = z.object({
  deviceId: z.string(),
  roomId: z.string().nullable(),
  residentId: z.string().nullable(),
  online: z.boolean(),
  lastSeen: z.string(),
  lastKind: z.string(),
  /** Kinds of the device's open `device.*` alarms whose condition is active. */
  faults: z.array(z.string()),
});
export const DeviceList = z.object({ siteId: SiteId, devices: z.array(DeviceStatus) });

const ACTIVE = new Set(['active_unack', 'active_ack']);

export default async function deviceRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/sites/:siteId/devices', {
    // Wearables name residents: personal data the fire department has no need of (PIPL art. 6).
    onRequest: allowRoles(['staff', 'callcentre', 'admin'], 'list devices'),
    schema: { params: z.object({ siteId: SiteId }), response: { 200: DeviceList, '4xx': ErrorBody, '5xx': ErrorBody } },
  }, async (request) => {
    const { siteId } = request.params;
    requireSite(request, siteId);
    const faults = new Map<string, string[]>();
    for (const alarm of await app.alarms.openOfSite(siteId, 'device.')) {
      if (!alarm.deviceId || !ACTIVE.has(alarm.status)) continue;
      faults.set(alarm.deviceId, [...(faults.get(alarm.deviceId) ?? []), alarm.kind]);
    }
    const devices = (await app.store.read((tx) => tx.events.devicesOfSite(siteId))).map((device) => {
      const open = faults.get(device.deviceId) ?? [];
      return {
        deviceId: device.deviceId,
        roomId: device.roomId,
        residentId: device.residentId,
        online: !open.includes('device.offline'),
        lastSeen: isoTime(device.lastSeen, new Date(0).toISOString()),
        lastKind: device.lastKind,
        faults: open,
      };
    });
    return { siteId, devices };
  });
}
