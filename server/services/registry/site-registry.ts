import { SiteFile, deviceAddress, hashSecret, newToken } from '../../../contract/index.ts';
import type { Device } from '../../../contract/index.ts';
import { badRequest, conflict, notFound } from '../../http-error.ts';
import { formatIssues } from '../../plugins/external/zod-compiler.ts';
import type { PersonalDataSealer } from '../privacy/sealer.ts';
import { RegionTree } from '../region-tree.ts';
import type { DeviceCredential, DeviceIndexEntry, DeviceRef, SiteRecord, SiteRef } from '../store/registry-store.ts';
import type { ServerStore, Tx } from '../store/types.ts';
import { auditProvisioning } from './provisioning-change.ts';
import type { Actor, ProvisioningChange } from './provisioning-change.ts';

/** Why the caller may not administer a site in `regionId` (and the site as it is now), or undefined. */
export type SiteAuthority = (regionId: string, existing: SiteRef | undefined) => string | undefined;

/** A secret made now and shown once (the registry keeps only its hash). */
export interface IssuedSecret {
  username: string;
  password: string;
  role: 'device' | 'bridge';
  /** Device id or bridge name. */
  subject: string;
}

export interface SiteChange {
  siteId: string;
  regionId: string;
  gatewayId: string;
  version: number;
  created: boolean;
  issued: IssuedSecret[];
}

export interface EditOptions {
  /** New MQTT secrets for every native device and hub. */
  rotate?: boolean;
  /** More audit records of the same change, in its unit of work (a resident's erasure). */
  alsoRecord?: (tx: Tx, at: number, version: number) => Promise<void>;
}

export interface SiteRegistryOptions {
  store: ServerStore;
  sealer: PersonalDataSealer;
  clock: () => number;
  /** Runs after each commit, before the caller is answered (scope refresh, change bus). */
  committed: (change: ProvisioningChange) => Promise<void>;
  /** True when a gateway of this id is provisioned. */
  gatewayExists: (gatewayId: string, tx: Tx) => Promise<boolean>;
}

/**
 * The server's site registry (issue 17): each site's document (the same contract `SiteFile` a
 * gateway loads), its community node and gateway, an index of its devices, and the MQTT logins of
 * its devices and hubs. Documents are sealed before they reach the store. Every change moves the
 * provisioning version and is logged for the gateways concerned, which pull it
 * (`GET /api/v1/gateway/config`): nothing needs a restart.
 */
export class SiteRegistry {
  constructor(private readonly opts: SiteRegistryOptions) {}

  /** The site's document, opened; undefined when there is no such site. */
  async document(siteId: string): Promise<SiteFile | undefined> {
    const record = await this.opts.store.read((tx) => tx.registry.getSite(siteId));
    return record ? this.open(record) : undefined;
  }

  /** Devices of this id in any site (device ids are unique within a site only). */
  locateDevice(deviceId: string): Promise<DeviceRef[]> {
    return this.opts.store.read((tx) => tx.registry.devicesById(deviceId));
  }

  /** The devices registered under a transport address (contract `deviceAddress`, e.g. `watch:6907919734`). */
  devicesAt(address: string): Promise<DeviceRef[]> {
    return this.opts.store.read((tx) => tx.registry.devicesByAddress(this.opts.sealer.blindIndex(address)));
  }

  /** Adds or replaces a site from its document. New native devices and hubs get MQTT secrets, returned once. */
  async putSite(actor: Actor, input: { siteId: string; gatewayId?: string | undefined; document: unknown }, authorize: SiteAuthority): Promise<SiteChange> {
    const parsed = SiteFile.safeParse(input.document);
    if (!parsed.success) throw badRequest(formatIssues('document', parsed.error));
    if (parsed.data.site.id !== input.siteId) throw badRequest(`document.site.id: "${parsed.data.site.id}" is not the site being put (${input.siteId})`);
    return this.change(actor, input.siteId, authorize, 'put', async (existing) => ({ document: parsed.data, gatewayId: input.gatewayId ?? existing?.gatewayId }));
  }

  /** Adds or replaces one device of a site (MQTT secret issued for a new native device). */
  putDevice(actor: Actor, siteId: string, device: Device, authorize: SiteAuthority): Promise<SiteChange> {
    return this.edit(actor, siteId, authorize, (doc) => {
      const devices = doc.devices.filter((d) => d.id !== device.id);
      return { ...doc, devices: [...devices, device] };
    });
  }

  removeDevice(actor: Actor, siteId: string, deviceId: string, authorize: SiteAuthority): Promise<SiteChange> {
    return this.edit(actor, siteId, authorize, (doc) => {
      if (!doc.devices.some((d) => d.id === deviceId)) throw notFound(`no device ${deviceId} in site ${siteId}`);
      return { ...doc, devices: doc.devices.filter((d) => d.id !== deviceId) };
    });
  }

  /**
   * Edits a site's document in one unit of work (read, change, check, write), so two admins
   * editing the same home never lose each other's change.
   */
  edit(actor: Actor, siteId: string, authorize: SiteAuthority, change: (doc: SiteFile) => unknown, opts: EditOptions = {}): Promise<SiteChange> {
    return this.change(actor, siteId, authorize, 'edit', async (existing) => {
      if (!existing) throw notFound(`no site ${siteId} in your scope`);
      const parsed = SiteFile.safeParse(change(this.open(existing)));
      if (!parsed.success) throw badRequest(formatIssues('document', parsed.error));
      return { document: parsed.data, gatewayId: existing.gatewayId, rotate: opts.rotate };
    }, opts.alsoRecord);
  }

  /** New MQTT secrets for every native device and hub of the site (the installer's sheet); the old ones stop working. */
  issueCredentials(actor: Actor, siteId: string, authorize: SiteAuthority): Promise<SiteChange> {
    return this.edit(actor, siteId, authorize, (doc) => doc, { rotate: true });
  }

  async removeSite(actor: Actor, siteId: string, authorize: SiteAuthority): Promise<{ version: number }> {
    const at = this.opts.clock();
    const result = await this.opts.store.write(async (tx) => {
      const existing = await tx.registry.getSite(siteId);
      if (!existing || authorize(existing.regionId, existing)) throw notFound(`no site ${siteId} in your scope`);
      await tx.registry.removeSite(siteId);
      const version = await tx.registry.nextVersion();
      await tx.registry.logConfigChange({ gatewayId: existing.gatewayId, siteId, version });
      await auditProvisioning(tx, at, actor, { what: 'site', op: 'remove', version }, siteId);
      return { version, gatewayId: existing.gatewayId };
    });
    await this.opts.committed({ version: result.version, what: 'sites', gateways: [result.gatewayId], accounts: [] });
    return { version: result.version };
  }

  open(record: SiteRecord): SiteFile {
    return JSON.parse(this.opts.sealer.open(record.sealedDocument, sealContext(record.siteId))) as SiteFile;
  }

  private async change(
    actor: Actor,
    siteId: string,
    authorize: SiteAuthority,
    mode: 'put' | 'edit',
    next: (existing: SiteRecord | undefined) => Promise<{ document: SiteFile; gatewayId: string | undefined; rotate?: boolean | undefined }>,
    alsoRecord?: EditOptions['alsoRecord'],
  ): Promise<SiteChange> {
    const at = this.opts.clock();
    const result = await this.opts.store.write(async (tx) => {
      const existing = await tx.registry.getSite(siteId);
      if (existing && authorize(existing.regionId, existing)) {
        // Out of scope looks like absent; but site ids are unique across the installation, so a
        // new site cannot take the id of one outside the caller's scope: it is taken, no more is said.
        throw mode === 'edit' ? notFound(`no site ${siteId} in your scope`) : conflict(`site id ${siteId} is already in use`);
      }
      const { document, gatewayId, rotate } = await next(existing);
      if (!gatewayId) throw badRequest('gatewayId: required for a new site (the gateway that serves it)');
      if (!(await this.opts.gatewayExists(gatewayId, tx))) throw badRequest(`gatewayId: no gateway ${gatewayId}`);
      const tree = new RegionTree(await tx.registry.regions());
      const community = tree.findByPath(document.site.region);
      const path = Object.values(document.site.region).join(' / ');
      if (!community || authorize(community.id, existing)) {
        const why = community ? 'is not in your scope' : `is not in the region tree (${tree.describeMissing(document.site.region)})`;
        throw badRequest(`document.site.region: ${path} ${why}`);
      }
      const devices = await this.indexDevices(tx, siteId, document.devices);
      const { credentials, issued } = await this.credentialsFor(tx, siteId, document, existing?.credentials ?? [], at, rotate ?? false);
      const version = await tx.registry.nextVersion();
      await tx.registry.putSite({
        siteId, regionId: community.id, gatewayId, kind: document.site.kind, version, updatedAt: at,
        sealedDocument: this.opts.sealer.seal(JSON.stringify(document), sealContext(siteId)),
        devices, credentials,
      });
      await tx.registry.logConfigChange({ gatewayId, siteId, version });
      const gateways = [gatewayId];
      if (existing && existing.gatewayId !== gatewayId) {
        await tx.registry.logConfigChange({ gatewayId: existing.gatewayId, siteId, version });
        gateways.push(existing.gatewayId);
      }
      await auditProvisioning(tx, at, actor, {
        what: 'site', op: existing ? 'change' : 'add', version, gatewayId, devices: devices.length, secretsIssued: issued.length,
      }, siteId);
      await alsoRecord?.(tx, at, version);
      return { change: { siteId, regionId: community.id, gatewayId, version, created: !existing, issued }, gateways };
    });
    await this.opts.committed({ version: result.change.version, what: 'sites', gateways: result.gateways, accounts: [] });
    return result.change;
  }

  /** The device index, refusing a watch or platform address another site already registered. */
  private async indexDevices(tx: Tx, siteId: string, devices: readonly Device[]): Promise<DeviceIndexEntry[]> {
    const out: DeviceIndexEntry[] = [];
    for (const d of devices) {
      const address = deviceAddress(d);
      const addressKey = address ? this.opts.sealer.blindIndex(address) : null;
      // Watches and platform devices say only their own id, so it must name one device installation-wide.
      if (addressKey && (d.transport === 'watch3g' || d.transport === 'platform')) {
        const taken = (await tx.registry.devicesByAddress(addressKey)).some((other) => other.siteId !== siteId);
        if (taken) throw conflict(`device ${d.id}: ${d.transport === 'watch3g' ? `watch id ${d.watchId}` : `platform device ${d.platform}/${d.platformDeviceId}`} is already registered to another site`);
      }
      out.push({ deviceId: d.id, profile: d.profile, transport: d.transport, roomId: d.roomId ?? null, residentId: d.residentId ?? null, addressKey });
    }
    return out;
  }

  /** Keeps the logins of devices and hubs that stay; issues secrets for new ones (or all, when rotating). */
  private async credentialsFor(
    tx: Tx, siteId: string, doc: SiteFile, current: readonly DeviceCredential[], at: number, rotate: boolean,
  ): Promise<{ credentials: DeviceCredential[]; issued: IssuedSecret[] }> {
    const wanted = [
      ...doc.devices.filter((d) => d.transport === 'mqtt').map((d) => ({ username: d.mqttUsername ?? `${siteId}.${d.id}`, role: 'device' as const, subject: d.id })),
      ...doc.bridges.filter((b) => !b.external).map((b) => ({ username: `${siteId}.${b.name}`, role: 'bridge' as const, subject: b.name })),
    ];
    const credentials: DeviceCredential[] = [];
    const issued: IssuedSecret[] = [];
    for (const want of wanted) {
      const kept = current.find((c) => c.username === want.username && c.role === want.role && c.subject === want.subject);
      if (kept && !rotate) {
        credentials.push(kept);
        continue;
      }
      const owner = await tx.registry.credentialOwner(want.username);
      if (owner !== undefined && owner !== siteId) throw conflict(`${want.role} ${want.subject}: MQTT username ${want.username} is already in use`);
      const password = newToken();
      credentials.push({ ...want, secretHash: hashSecret(password), issuedAt: at });
      issued.push({ ...want, password });
    }
    return { credentials, issued };
  }
}

/** Binds a sealed document to its site: a document copied onto another site's row does not open. */
export function sealContext(siteId: string): string {
  return `site:${siteId}`;
}
