import type { RegionLevel, RegionNode, Transport } from '../../../contract/index.ts';
import type { PgSql } from './pg-sql.ts';
import type { ConfigChange, DeviceCredential, DeviceIndexEntry, DeviceRef, RegistryStore, SiteRecord, SiteRef } from './registry-store.ts';

interface SiteRow { site_id: string; region_id: string; gateway_id: string; kind: 'institution' | 'home'; version: number; updated_at: number; sealed_document: string }
interface DeviceRow {
  site_id: string; device_id: string; profile: string; transport: Transport; room_id: string | null; resident_id: string | null; address_key: string | null;
}
interface CredentialRow { username: string; site_id: string; secret_hash: string; role: 'device' | 'bridge'; subject: string; issued_at: number }

const REF_COLUMNS = 'site_id, region_id, gateway_id, kind, version, updated_at';

/** sqlite-registry.ts in PostgreSQL. */
export class PgRegistryStore implements RegistryStore {
  constructor(private readonly sql: PgSql) {}

  async regions(): Promise<RegionNode[]> {
    const rows = await this.sql.rows<{ id: string; parent_id: string | null; level: RegionLevel; name: string }>('regions_all', 'SELECT id, parent_id, level, name FROM regions ORDER BY id');
    return rows.map((r) => ({ id: r.id, parentId: r.parent_id, level: r.level, name: r.name }));
  }

  async putRegion(node: RegionNode): Promise<void> {
    await this.sql.run('region_put', `INSERT INTO regions (id, parent_id, level, name) VALUES ($1, $2, $3, $4)
      ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, level = excluded.level, name = excluded.name`, [node.id, node.parentId, node.level, node.name]);
  }

  async removeRegion(id: string): Promise<boolean> {
    return (await this.sql.run('region_remove', 'DELETE FROM regions WHERE id = $1', [id])) > 0;
  }

  async putSite(site: SiteRecord): Promise<void> {
    await this.sql.run('site_put', `INSERT INTO sites (site_id, region_id, gateway_id, kind, version, updated_at, sealed_document) VALUES ($1, $2, $3, $4, $5, $6, $7)
      ON CONFLICT (site_id) DO UPDATE SET region_id = excluded.region_id, gateway_id = excluded.gateway_id, kind = excluded.kind,
        version = excluded.version, updated_at = excluded.updated_at, sealed_document = excluded.sealed_document`,
    [site.siteId, site.regionId, site.gatewayId, site.kind, site.version, site.updatedAt, site.sealedDocument]);
    await this.dropParts(site.siteId);
    // One statement per table, whatever the number of devices (a regional gateway's site may hold many).
    await this.sql.run('site_devices_add', `INSERT INTO site_devices (site_id, device_id, profile, transport, room_id, resident_id, address_key)
      SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])`, [
      site.siteId, site.devices.map((d) => d.deviceId), site.devices.map((d) => d.profile), site.devices.map((d) => d.transport),
      site.devices.map((d) => d.roomId), site.devices.map((d) => d.residentId), site.devices.map((d) => d.addressKey),
    ]);
    await this.sql.run('site_credentials_add', `INSERT INTO device_credentials (username, site_id, secret_hash, role, subject, issued_at)
      SELECT u, $1, h, r, s, i FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) AS c (u, h, r, s, i)`, [
      site.siteId, site.credentials.map((c) => c.username), site.credentials.map((c) => c.secretHash), site.credentials.map((c) => c.role),
      site.credentials.map((c) => c.subject), site.credentials.map((c) => c.issuedAt),
    ]);
  }

  async getSite(siteId: string): Promise<SiteRecord | undefined> {
    const row = await this.sql.one<SiteRow>('site_get', 'SELECT * FROM sites WHERE site_id = $1', [siteId]);
    return row ? this.record(row) : undefined;
  }

  async removeSite(siteId: string): Promise<boolean> {
    await this.dropParts(siteId);
    return (await this.sql.run('site_remove', 'DELETE FROM sites WHERE site_id = $1', [siteId])) > 0;
  }

  async siteRefs(): Promise<SiteRef[]> {
    return (await this.sql.rows<Omit<SiteRow, 'sealed_document'>>('site_refs', `SELECT ${REF_COLUMNS} FROM sites ORDER BY site_id`)).map(toRef);
  }

  async sitesOfGateway(gatewayId: string): Promise<SiteRecord[]> {
    const rows = await this.sql.rows<SiteRow>('sites_of_gateway', 'SELECT * FROM sites WHERE gateway_id = $1 ORDER BY site_id', [gatewayId]);
    const records: SiteRecord[] = [];
    for (const row of rows) records.push(await this.record(row));
    return records;
  }

  async devicesByAddress(addressKey: string): Promise<DeviceRef[]> {
    return (await this.sql.rows<DeviceRow>('devices_by_address', 'SELECT * FROM site_devices WHERE address_key = $1 ORDER BY site_id, device_id', [addressKey])).map(toDeviceRef);
  }

  async devicesById(deviceId: string): Promise<DeviceRef[]> {
    return (await this.sql.rows<DeviceRow>('devices_by_id', 'SELECT * FROM site_devices WHERE device_id = $1 ORDER BY site_id', [deviceId])).map(toDeviceRef);
  }

  async credentialOwner(username: string): Promise<string | undefined> {
    return (await this.sql.one<{ site_id: string }>('credential_owner', 'SELECT site_id FROM device_credentials WHERE username = $1', [username]))?.site_id;
  }

  async nextVersion(): Promise<number> {
    // The row lock on the counter holds until commit: versions are handed out in commit order.
    return (await this.sql.one<{ version: number }>('version_next', 'UPDATE provisioning_version SET version = version + 1 WHERE one = 1 RETURNING version'))!.version;
  }

  async version(): Promise<number> {
    return (await this.sql.one<{ version: number }>('version_get', 'SELECT version FROM provisioning_version WHERE one = 1'))?.version ?? 0;
  }

  async logConfigChange(change: ConfigChange): Promise<void> {
    await this.sql.run('config_change_add', `INSERT INTO config_changes AS c (gateway_id, site_id, version) VALUES ($1, $2, $3)
      ON CONFLICT (gateway_id, site_id) DO UPDATE SET version = greatest(c.version, excluded.version)`, [change.gatewayId, change.siteId, change.version]);
  }

  async configChangesSince(gatewayId: string, since: number): Promise<ConfigChange[]> {
    const rows = await this.sql.rows<{ gateway_id: string; site_id: string; version: number }>('config_changes_since',
      'SELECT gateway_id, site_id, version FROM config_changes WHERE gateway_id = $1 AND version > $2 ORDER BY version, site_id', [gatewayId, since]);
    return rows.map((r) => ({ gatewayId: r.gateway_id, siteId: r.site_id, version: r.version }));
  }

  async configVersionOf(gatewayId: string): Promise<number> {
    return (await this.sql.one<{ version: number | null }>('config_version_of', 'SELECT max(version) AS version FROM config_changes WHERE gateway_id = $1', [gatewayId]))?.version ?? 0;
  }

  private async dropParts(siteId: string): Promise<void> {
    await this.sql.run('site_devices_drop', 'DELETE FROM site_devices WHERE site_id = $1', [siteId]);
    await this.sql.run('site_credentials_drop', 'DELETE FROM device_credentials WHERE site_id = $1', [siteId]);
  }

  private async record(row: SiteRow): Promise<SiteRecord> {
    const devices = await this.sql.rows<DeviceRow>('site_devices_of', 'SELECT * FROM site_devices WHERE site_id = $1 ORDER BY device_id', [row.site_id]);
    const credentials = await this.sql.rows<CredentialRow>('site_credentials_of', 'SELECT * FROM device_credentials WHERE site_id = $1 ORDER BY username', [row.site_id]);
    return {
      ...toRef(row),
      sealedDocument: row.sealed_document,
      devices: devices.map(toDeviceEntry),
      credentials: credentials.map((c): DeviceCredential => ({ username: c.username, secretHash: c.secret_hash, role: c.role, subject: c.subject, issuedAt: c.issued_at })),
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
