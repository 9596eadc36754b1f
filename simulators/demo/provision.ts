import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  type DemoCredentials, type GatewayCredentials, type ServerProvisioning, SiteFile, DemoCredentials as DemoCredentialsSchema,
  hashSecret, newToken,
} from '../../contract/index.ts';
import { privateDir } from '../../contract/private-files.ts';
import { type MqttTlsFiles, defaultTlsHosts, mqttTlsFilesIn, provisionMqttTls } from '../../contract/mqtt-tls.ts';

export interface DemoPaths {
  dataDir: string;
  credentials: string;
  serverProvisioning: string;
  gatewayCredentials: string;
  gatewayToken: string;
  /** The gateway's `--push-config`: the platforms' push tokens (plain: the gateway must compare them). */
  gatewayPushConfig: string;
  /** MQTT over TLS (issue 16): the CA beside the credentials file (devices and simulators trust it), the gateway's key and certificate beside its credentials. */
  mqttTls: MqttTlsFiles;
}

export function demoPaths(dataDir: string): DemoPaths {
  return {
    dataDir,
    credentials: join(dataDir, 'demo-credentials.json'),
    serverProvisioning: join(dataDir, 'server', 'provisioning.json'),
    gatewayCredentials: join(dataDir, 'gateway', 'gateway-credentials.json'),
    gatewayToken: join(dataDir, 'gateway', 'token'),
    gatewayPushConfig: join(dataDir, 'gateway', 'push-config.json'),
    mqttTls: mqttTlsFilesIn(join(dataDir, 'gateway'), dataDir),
  };
}

export function readSiteFile(path: string): SiteFile {
  return SiteFile.parse(parseYaml(readFileSync(path, 'utf8')));
}

/**
 * First start of the demo: random secrets for every user, gateway, device and bridge, and the
 * gateway's MQTT TLS certificate with the CA that signs it. The plain
 * secrets go to `demo-credentials.json` (mode 0600) for people and simulators; the server and the
 * gateway get only hashes (CONTRACT.md: "stored hashed by the product").
 * A later start keeps every secret already provisioned and adds secrets for sites added since.
 */
export function provisionDemo(paths: DemoPaths, sites: SiteFile[], gatewayId: string): { creds: DemoCredentials; created: boolean } {
  // The gateway's MQTT certificate, made now, once (a later start keeps it and the CA devices trust).
  provisionMqttTls(paths.mqttTls, { hosts: defaultTlsHosts(), commonName: gatewayId });
  const existing = existsSync(paths.credentials)
    ? DemoCredentialsSchema.parse(JSON.parse(readFileSync(paths.credentials, 'utf8')))
    : undefined;
  const siteIds = sites.map((s) => s.site.id);
  const institution = sites.filter((s) => s.site.kind === 'institution').map((s) => s.site.id);
  const homes = sites.filter((s) => s.site.kind === 'home').map((s) => s.site.id);
  const tokenOf = (username: string) => existing?.users.find((u) => u.username === username)?.token ?? newToken();
  const creds: DemoCredentials = {
    users: [
      { username: 'admin', role: 'admin', sites: [], token: tokenOf('admin') },
      { username: 'night-nurse', role: 'staff', sites: institution, token: tokenOf('night-nurse') },
      { username: 'homecare-staff', role: 'staff', sites: homes, token: tokenOf('homecare-staff') },
      { username: 'call-centre', role: 'callcentre', sites: siteIds, token: tokenOf('call-centre') },
      { username: 'fire-dept', role: 'firedept', sites: siteIds, token: tokenOf('fire-dept') },
    ],
    gateways: [{ gatewayId, siteId: siteIds[0]!, sites: siteIds, token: existing?.gateways.find((g) => g.gatewayId === gatewayId)?.token ?? newToken() }],
    devices: [],
    bridges: [],
    // Pushes fail closed (issue 16): the demo's platforms get a token like every other client.
    platforms: DEMO_PLATFORMS.map((platform) => ({ platform, token: existing?.platforms?.find((p) => p.platform === platform)?.token ?? newToken() })),
  };
  const keptDevices = new Map((existing?.devices ?? []).map((x) => [`${x.siteId}|${x.deviceId}|${x.transport}`, x]));
  for (const s of sites) {
    for (const d of s.devices) {
      // A site added since the first start gets new secrets; what was provisioned keeps its own.
      const kept = keptDevices.get(`${s.site.id}|${d.id}|${d.transport}`);
      if (kept) { creds.devices.push(kept); continue; }
      const base = { deviceId: d.id, siteId: s.site.id, profile: d.profile, transport: d.transport };
      switch (d.transport) {
        case 'mqtt': creds.devices.push({ ...base, mqttUsername: d.mqttUsername ?? `${s.site.id}.${d.id}`, mqttPassword: newToken() }); break;
        case 'zigbee2mqtt': creds.devices.push({ ...base, friendlyName: d.friendlyName! }); break;
        case 'watch3g': creds.devices.push({ ...base, watchId: d.watchId! }); break;
        case 'platform': creds.devices.push({ ...base, platform: d.platform!, platformDeviceId: d.platformDeviceId! }); break;
        case 'rflink': creds.devices.push({ ...base, rflinkId: `${d.rflink!.protocol};ID=${d.rflink!.id}${d.rflink!.switch ? `;SWITCH=${d.rflink!.switch}` : ''}` }); break;
        default: creds.devices.push(base);
      }
    }
    for (const b of s.bridges.filter((b) => !b.external)) {
      const kept = existing?.bridges.find((x) => x.siteId === s.site.id && x.name === b.name);
      if (kept) { creds.bridges.push(kept); continue; }
      creds.bridges.push({ name: b.name, siteId: s.site.id, mqttUsername: `${s.site.id}.${b.name}`, mqttPassword: newToken() });
    }
  }
  if (existing && JSON.stringify(existing) === JSON.stringify(creds) && existsSync(paths.gatewayPushConfig)) return { creds, created: false };
  writeSecretsFile(paths.credentials, creds);
  writeDerivedFiles(paths, creds);
  return { creds, created: existing === undefined };
}

/** The platforms the demo's home sites push through. */
export const DEMO_PLATFORMS = ['ctwing', 'onenet'] as const;

/** The gateway's push configuration for the demo's platform tokens (gateway/push/push-config.ts). */
export function demoPushConfig(creds: DemoCredentials): Record<string, { token: string }> {
  return Object.fromEntries((creds.platforms ?? []).map((p) => [p.platform, { token: p.token }]));
}

/** The hashed halves, for the server and the gateway. */
function writeDerivedFiles(paths: DemoPaths, creds: DemoCredentials): void {
  const server: ServerProvisioning = {
    users: creds.users.map((u) => ({ username: u.username, role: u.role, sites: u.sites, tokenHash: hashSecret(u.token) })),
    gateways: creds.gateways.map((g) => ({ gatewayId: g.gatewayId, sites: g.sites, tokenHash: hashSecret(g.token) })),
  };
  const gateway: GatewayCredentials = {
    mqtt: [
      ...creds.devices.filter((d) => d.mqttUsername && d.mqttPassword).map((d) => ({
        username: d.mqttUsername!, secretHash: hashSecret(d.mqttPassword!), role: 'device' as const, siteId: d.siteId, subject: d.deviceId,
      })),
      ...creds.bridges.map((b) => ({ username: b.mqttUsername, secretHash: hashSecret(b.mqttPassword), role: 'bridge' as const, siteId: b.siteId, subject: b.name })),
    ],
  };
  writeSecretsFile(paths.serverProvisioning, server);
  writeSecretsFile(paths.gatewayCredentials, gateway);
  writeSecretsFile(paths.gatewayToken, `${creds.gateways[0]!.token}\n`);
  writeSecretsFile(paths.gatewayPushConfig, demoPushConfig(creds));
}

export function writeSecretsFile(path: string, content: unknown): void {
  privateDir(join(path, '..'));
  writeFileSync(path, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its old mode through writeFileSync
}
