import type { Alarm, Resident, SiteFile } from '../../../contract/index.ts';
import { notFound } from '../../http-error.ts';
import type { Actor } from '../registry/provisioning-change.ts';
import type { SiteAuthority, SiteRegistry } from '../registry/site-registry.ts';
import type { ServerStore } from '../store/types.ts';

/** Alarms read into one export: years of one resident's alarms many times over. */
const EXPORT_ALARM_LIMIT = 100_000;

export interface ResidentExport {
  siteId: string;
  resident: Resident;
  /** Devices that are the resident's (worn, or in their room by `residentId`). */
  devices: Array<{ id: string; profile: string; transport: string }>;
  alarms: Alarm[];
}

/**
 * A resident's rights over their data (PIPL art. 45 copy, art. 47 deletion): an administrator of
 * the site exports one resident's data, or erases it. Both are recorded in the audit chain in the
 * unit of work that does them. Erasure removes the personal fields (name, contacts, care notes,
 * rules) from the site document; alarms keep the bare resident id, which names no one once the
 * document no longer does, because alarms and the audit trail are kept 5 years by law
 * (MCA Order 66; GB 50440) — PIPL art. 47's exception for retention other laws require.
 */
export class ResidentRights {
  constructor(private readonly opts: { store: ServerStore; sites: SiteRegistry; clock: () => number }) {}

  async export(actor: Actor, siteId: string, residentId: string, authorize: SiteAuthority): Promise<ResidentExport> {
    const at = this.opts.clock();
    return this.opts.store.write(async (tx) => {
      const record = await tx.registry.getSite(siteId);
      if (!record || authorize(record.regionId, record)) throw notFound(`no resident ${residentId} in site ${siteId} in your scope`);
      const doc = this.opts.sites.open(record);
      const resident = doc.residents.find((r) => r.id === residentId);
      if (!resident) throw notFound(`no resident ${residentId} in site ${siteId} in your scope`);
      const alarms = (await tx.alarms.list({ sites: [siteId], openOnly: false, limit: EXPORT_ALARM_LIMIT })).filter((a) => a.residentId === residentId);
      await tx.audit.append({ at, actor: actor.name, from: actor.from, action: 'resident.exported', siteId, alarmId: null, residentId, details: { alarms: alarms.length } });
      const devices = doc.devices.filter((d) => d.residentId === residentId).map((d) => ({ id: d.id, profile: d.profile, transport: d.transport }));
      return { siteId, resident, devices, alarms };
    });
  }

  /** Erases the resident's personal fields; their worn devices go too (a wearable is one person's). */
  async erase(actor: Actor, siteId: string, residentId: string, reason: string, authorize: SiteAuthority): Promise<{ version: number }> {
    let found = false;
    const change = await this.opts.sites.edit(actor, siteId, authorize, (doc: SiteFile) => {
      found = doc.residents.some((r) => r.id === residentId);
      if (!found) throw notFound(`no resident ${residentId} in site ${siteId} in your scope`);
      return {
        ...doc,
        residents: doc.residents.filter((r) => r.id !== residentId),
        devices: doc.devices
          .filter((d) => !(d.residentId === residentId && !d.roomId))
          .map((d) => (d.residentId === residentId ? { ...d, residentId: undefined } : d)),
      };
    }, {
      alsoRecord: async (tx, at, version) => {
        await tx.audit.append({ at, actor: actor.name, from: actor.from, action: 'resident.erased', siteId, alarmId: null, residentId, details: { reason, version } });
      },
    });
    return { version: change.version };
  }
}
