import type { Database, Statement } from 'better-sqlite3';
import type { RegionLevel, RegionNode, Transport } from '../../../contract/index.ts';
import type { ConfigChange, DeviceCredential, DeviceIndexEntry, DeviceRef, RegistryStore, SiteRecord, SiteRef } from './registry-store.ts';

interface SiteRow {
  site_id: string;
  region_id: string;
  gateway_id: string;
  kind: 'institution' | 'home';
  version: number;
  updated_at: number;
  sealed_document: string;
}
interface DeviceRow {
  site_id: string;
  device_id: string;
  profile: string;
  transport: Transport;
  room_id: string | null;
  resident_id: string | null;
  address_key: string | null;
}
interface CredentialRow { username: string; site_id: string; secret_hash: string; role: 'device' | 'bridge'; subject: string; issued_at: number }

export class SqliteRegistryStore implements RegistryStore {
  private readonly allRegions: Statement<[], { id: string; parent_id: string | null; level: RegionLevel; name: string }>;
  private readonly upsertRegion: Statement;
  private readonly deleteRegion: Statement<[string]>;
  private readonly upsertSite: Statement;
  private readonly oneSite: Statement<[string], SiteRow>;
  private readonly deleteSite: Statement<[string]>;
  private readonly refs: Statement<[], Omit<SiteRow, 'sealed_document'>>;
  private readonly ofGateway: Statement<[string], SiteRow>;
  private readonly devicesOf: Statement<[string], DeviceRow>;
  private readonly deleteDevices: Statement<[string]>;
  private readonly insertDevice: Statement;
  private readonly byAddress: Statement<[string], DeviceRow>;
  private readonly byDeviceId: Statement<[string], DeviceRow>;
  private readonly credentialsOf: Statement<[string], CredentialRow>;
  private readonly owner: Statement<[string], { site_id: string }>;
  private readonly deleteCredentials: Statement<[string]>;
  private readonly insertCredential: Statement;
  private readonly bump: Statement<[], { version: number }>;
  private readonly current: Statement<[], { version: number }>;
  private readonly upsertChange: Statement;
  private readonly changesSince: Statement<[string, number], { gateway_id: string; site_id: string; version: number }>;
  private readonly newestOf: Statement<[string], { version: number | null }>;

  constructor(db: Database) {
    this.allRegions = db.prepare('SELECT id, parent_id, level, name FROM regions ORDER BY id');
    this.upsertRegion = db.prepare(`INSERT INTO regions (id, parent_id, level, name) VALUES (@id, @parentId, @level, @name)
      ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, level = excluded.level, name = excluded.name`);
    this.deleteRegion = db.prepare('DELETE FROM regions WHERE id = ?');
    this.upsertSite = db.prepare(`INSERT INTO sites (site_id, region_id, gateway_id, kind, version, updated_at, sealed_document)
      VALUES (@siteId, @regionId, @gatewayId, @kind, @version, @updatedAt, @sealedDocument)
      ON CONFLICT (site_id) DO UPDATE SET region_id = excluded.region_id, gateway_id = excluded.gateway_id, kind = excluded.kind,
        version = excluded.version, updated_at = excluded.updated_at, sealed_document = excluded.sealed_document`);
    this.oneSite = db.prepare('SELECT * FROM sites WHERE site_id = ?');
    this.deleteSite = db.prepare('DELETE FROM sites WHERE site_id = ?');
    this.refs = db.prepare('SELECT site_id, region_id, gateway_id, kind, version, updated_at FROM sites ORDER BY site_id');
    this.ofGateway = db.prepare('SELECT * FROM sites WHERE gateway_id = ? ORDER BY site_id');
    this.devicesOf = db.prepare('SELECT * FROM site_devices WHERE site_id = ? ORDER BY device_id');
    this.deleteDevices = db.prepare('DELETE FROM site_devices WHERE site_id = ?');
    this.insertDevice = db.prepare(`INSERT INTO site_devices (site_id, device_id, profile, transport, room_id, resident_id, address_key)
      VALUES (@siteId, @deviceId, @profile, @transport, @roomId, @residentId, @addressKey)`);
    this.byAddress = db.prepare('SELECT * FROM site_devices WHERE address_key = ? ORDER BY site_id, device_id');
    this.byDeviceId = db.prepare('SELECT * FROM site_devices WHERE device_id = ? ORDER BY site_id');
    this.credentialsOf = db.prepare('SELECT * FROM device_credentials WHERE site_id = ? ORDER BY username');
    this.owner = db.prepare('SELECT site_id FROM device_credentials WHERE username = ?');
    this.deleteCredentials = db.prepare('DELETE FROM device_credentials WHERE site_id = ?');
    this.insertCredential = db.prepare(`INSERT INTO device_credentials (username, site_id, secret_hash, role, subject, issued_at)
      VALUES (@username, @siteId, @secretHash, @role, @subject, @issuedAt)`);
    this.bump = db.prepare('UPDATE provisioning_version SET version = version + 1 WHERE one = 1 RETURNING version');
    this.current = db.prepare('SELECT version FROM provisioning_version WHERE one = 1');
    this.upsertChange = db.prepare(`INSERT INTO config_changes (gateway_id, site_id, version) VALUES (@gatewayId, @siteId, @version)
      ON CONFLICT (gateway_id, site_id) DO UPDATE SET version = max(version, excluded.version)`);
    this.changesSince = db.prepare('SELECT gateway_id, site_id, version FROM config_changes WHERE gateway_id = ? AND version > ? ORDER BY version, site_id');
    this.newestOf = db.prepare('SELECT max(version) AS version FROM config_changes WHERE gateway_id = ?');
  }

  async regions(): Promise<RegionNode[]> {
    return this.allRegions.all().map((r) => ({ id: r.id, parentId: r.parent_id, level: r.level, name: r.name }));
  }

  async putRegion(node: RegionNode): Promise<void> {
    this.upsertRegion.run({ id: node.id, parentId: node.parentId, level: node.level, name: node.name });
  }

  async removeRegion(id: string): Promise<boolean> {
    return this.deleteRegion.run(id).changes > 0;
  }

  async putSite(site: SiteRecord): Promise<void> {
    this.upsertSite.run({
      siteId: site.siteId, regionId: site.regionId, gatewayId: site.gatewayId, kind: site.kind,
      version: site.version, updatedAt: site.updatedAt, sealedDocument: site.sealedDocument,
    });
    this.deleteDevices.run(site.siteId);
    for (const d of site.devices) this.insertDevice.run({ siteId: site.siteId, ...d });
    this.deleteCredentials.run(site.siteId);
    for (const c of site.credentials) this.insertCredential.run({ siteId: site.siteId, ...c });
  }

  async getSite(siteId: string): Promise<SiteRecord | undefined> {
    const row = this.oneSite.get(siteId);
    return row ? this.record(row) : undefined;
  }

  async removeSite(siteId: string): Promise<boolean> {
    this.deleteDevices.run(siteId);
    this.deleteCredentials.run(siteId);
    return this.deleteSite.run(siteId).changes > 0;
  }

  async siteRefs(): Promise<SiteRef[]> {
    return this.refs.all().map(toRef);
  }

  async sitesOfGateway(gatewayId: string): Promise<SiteRecord[]> {
    return this.ofGateway.all(gatewayId).map((row) => this.record(row));
  }

  async devicesByAddress(addressKey: string): Promise<DeviceRef[]> {
    return this.byAddress.all(addressKey).map(toDeviceRef);
  }

  async devicesById(deviceId: string): Promise<DeviceRef[]> {
    return this.byDeviceId.all(deviceId).map(toDeviceRef);
  }

  async credentialOwner(username: string): Promise<string | undefined> {
    return this.owner.get(username)?.site_id;
  }

  async nextVersion(): Promise<number> {
    return this.bump.get()!.version;
  }

  async version(): Promise<number> {
    return this.current.get()?.version ?? 0;
  }

  async logConfigChange(change: ConfigChange): Promise<void> {
    this.upsertChange.run({ gatewayId: change.gatewayId, siteId: change.siteId, version: change.version });
  }

  async configChangesSince(gatewayId: string, since: number): Promise<ConfigChange[]> {
    return this.changesSince.all(gatewayId, since).map((r) => ({ gatewayId: r.gateway_id, siteId: r.site_id, version: r.version }));
  }

  async configVersionOf(gatewayId: string): Promise<number> {
    return this.newestOf.get(gatewayId)?.version ?? 0;
  }

  private record(row: SiteRow): SiteRecord {
    return {
      ...toRef(row),
      sealedDocument: row.sealed_document,
      devices: this.devicesOf.all(row.site_id).map(toDeviceEntry),
      credentials: this.credentialsOf.all(row.site_id).map((c): DeviceCredential => ({
        username: c.username, secretHash: c.secret_hash, role: c.role, subject: c.subject, issuedAt: c.issued_at,
      })),
    };
  }
}

function toRef(row: Omit<SiteRow, 'sealed_document'>): SiteRef {
  return { siteId: row.site_id, regionId: row.region_id, gatewayId: row.gateway_id, kind: row.kind, version: row.version, updatedAt: row.updated_at };
}

function toDeviceEntry(row: DeviceRow): DeviceIndexEntry {
  return { deviceId: row.device_id, profile: row.profile, transport: row.transport, roomId: row.room_id, residentId: row.resident_id, addressKey: row.address_key };
}

function toDeviceRef(row: DeviceRow): DeviceRef {
  return { siteId: row.site_id, ...toDeviceEntry(row) };
}
