import type { RegionNode, Transport } from '../../../contract/index.ts';

/**
 * The server's site registry (issue 17): the region tree, every site with its document, the
 * gateway that serves it and an index of its devices, and the log of configuration changes each
 * gateway pulls. No SQL and no crypto here: the site document arrives sealed (encrypted by the
 * service, server/services/privacy/sealer.ts), device addresses arrive as blind-index keys, so
 * every implementation stores opaque strings and none can leak a resident's data.
 */
export interface RegistryStore {
  regions(): Promise<RegionNode[]>;
  putRegion(node: RegionNode): Promise<void>;
  /** False when there was no such node. */
  removeRegion(id: string): Promise<boolean>;

  /** Adds or replaces a site, its device index and its device credentials. */
  putSite(site: SiteRecord): Promise<void>;
  getSite(siteId: string): Promise<SiteRecord | undefined>;
  /** False when there was no such site. Its devices and credentials go with it. */
  removeSite(siteId: string): Promise<boolean>;
  /** What scope and routing need of every site: no documents. */
  siteRefs(): Promise<SiteRef[]>;
  /** Whole records of one gateway's sites, for a full configuration pull. */
  sitesOfGateway(gatewayId: string): Promise<SiteRecord[]>;
  /** Devices registered under this address key, in any site (a watch IMEI must be unique). */
  devicesByAddress(addressKey: string): Promise<DeviceRef[]>;
  /** Every site that has a device of this id (device ids are unique within a site only). */
  devicesById(deviceId: string): Promise<DeviceRef[]>;
  /** The site whose device or bridge logs in with this MQTT username (usernames are unique across the installation). */
  credentialOwner(username: string): Promise<string | undefined>;

  /**
   * The next provisioning version: a counter moved inside the unit of work, so versions are
   * handed out in commit order (a row lock in PostgreSQL, the single writer in SQLite) and a
   * gateway that has seen version N has seen every change up to N.
   */
  nextVersion(): Promise<number>;
  /** The newest provisioning version (0 before the first change). */
  version(): Promise<number>;
  /** Records that `siteId`'s configuration changed for `gatewayId` at `version`. */
  logConfigChange(change: ConfigChange): Promise<void>;
  /** Sites whose configuration changed for the gateway after `since`, each once with its newest version. */
  configChangesSince(gatewayId: string, since: number): Promise<ConfigChange[]>;
  /** The newest version that changed anything for the gateway (0 when nothing ever did). */
  configVersionOf(gatewayId: string): Promise<number>;
}

/** A site as the registry keeps it. */
export interface SiteRecord extends SiteRef {
  /** The site document (contract `SiteFile`, defaults applied) as JSON, sealed. */
  sealedDocument: string;
  devices: DeviceIndexEntry[];
  /** MQTT logins of the site's native devices and bridges: hashes only (contract `GatewayCredentials`). */
  credentials: DeviceCredential[];
}

export interface SiteRef {
  siteId: string;
  /** The community node the site hangs under. */
  regionId: string;
  gatewayId: string;
  kind: 'institution' | 'home';
  /** Provisioning version of its last change. */
  version: number;
  updatedAt: number;
}

/** What the registry indexes of a device; names and other free text stay in the sealed document. */
export interface DeviceIndexEntry {
  deviceId: string;
  profile: string;
  transport: Transport;
  roomId: string | null;
  residentId: string | null;
  /** Blind index (keyed HMAC) of its transport address, for uniqueness checks across sites. */
  addressKey: string | null;
}

export interface DeviceRef extends DeviceIndexEntry {
  siteId: string;
}

export interface DeviceCredential {
  username: string;
  secretHash: string;
  role: 'device' | 'bridge';
  /** Device id, or bridge name. */
  subject: string;
  issuedAt: number;
}

export interface ConfigChange {
  gatewayId: string;
  siteId: string;
  version: number;
}
