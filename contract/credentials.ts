import { z } from 'zod';
import { DeviceId, Id, SiteId } from './ids.ts';
import { Role } from './api.ts';
import { Transport } from './reading.ts';

/**
 * `data/demo-credentials.json` as the demo writes it on first start (CONTRACT.md): the plain
 * secrets for people and scripts to use. The product itself keeps only their hashes.
 */
export const DemoCredentials = z.object({
  users: z.array(z.object({ username: z.string(), role: Role, sites: z.array(z.string()), token: z.string() })),
  gateways: z.array(z.object({ gatewayId: z.string(), siteId: SiteId, sites: z.array(SiteId), token: z.string() })),
  devices: z.array(z.object({
    deviceId: DeviceId,
    siteId: SiteId,
    profile: z.string(),
    transport: Transport,
    mqttUsername: z.string().optional(),
    mqttPassword: z.string().optional(),
    friendlyName: z.string().optional(),
    watchId: z.string().optional(),
    platform: z.string().optional(),
    platformDeviceId: z.string().optional(),
    rflinkId: z.string().optional(),
  })),
  bridges: z.array(z.object({ name: z.string(), siteId: SiteId, mqttUsername: z.string(), mqttPassword: z.string() })),
  /** Push tokens of carriers' platforms (`POST /push/{platform}?token=`); pushes without one are refused. */
  platforms: z.array(z.object({ platform: z.string(), token: z.string() })).optional(),
});
export type DemoCredentials = z.infer<typeof DemoCredentials>;

/** A stored secret hash, as `secrets.ts` writes it. */
export const SecretHash = z.string().regex(/^(scrypt|sha256)\$[0-9a-f]{32}\$[0-9a-f]{64}$/, 'must be "scrypt$salt$hash" or "sha256$salt$hash"');

/** The gateway's credential file: hashed secrets of the MQTT clients it accepts. */
export const GatewayCredentials = z.object({
  mqtt: z.array(z.object({
    username: z.string().min(1).max(64),
    secretHash: SecretHash,
    role: z.enum(['device', 'bridge']),
    siteId: SiteId,
    /** For a device: its id; for a bridge: its bridge name in the site file. */
    subject: z.string(),
  })),
});
export type GatewayCredentials = z.infer<typeof GatewayCredentials>;

/**
 * The server's provisioning file: machine logins with hashed long-lived tokens (gateways, and
 * `users` entries, which are integrations or test logins: people get passwords through the admin
 * API and sign in). Optional since the site registry and the admin API (docs/provisioning.md).
 */
export const ServerProvisioning = z.object({
  users: z.array(z.object({
    username: z.string().min(1).max(64),
    role: Role,
    sites: z.array(SiteId),
    /** Region nodes: every site beneath them is in scope too. */
    regions: z.array(Id).optional(),
    tokenHash: SecretHash,
  })),
  gateways: z.array(z.object({ gatewayId: z.string(), sites: z.array(SiteId), tokenHash: SecretHash })),
});
export type ServerProvisioning = z.infer<typeof ServerProvisioning>;
