import { z } from 'zod';
import { DeviceId, Id, ResidentId, RoomId, SiteId } from './ids.ts';
import { Transport } from './reading.ts';
import { ResidentRules, SiteRules } from './site-rules.ts';
import { CoverageSettings } from './coverage.ts';
import { RoomType } from './room-type.ts';
import { LocalSounder } from './local-sounder.ts';

/** JGJ/T 484-2019 3.0.3 organises eldercare platforms by city → district → street → community. */
export const RegionPath = z.object({
  city: z.string().min(1).max(100),
  district: z.string().min(1).max(100),
  street: z.string().min(1).max(100),
  community: z.string().min(1).max(100),
});
export type RegionPath = z.infer<typeof RegionPath>;

export { RoomType };

export const Room = z.object({
  id: RoomId,
  name: z.string().min(1).max(100),
  type: RoomType,
  /** Fire zone for cross-detector confirmation; defaults to the floor. */
  zone: Id.optional(),
});
export type Room = z.infer<typeof Room>;

export const Floor = z.object({
  id: Id,
  name: z.string().min(1).max(100),
  level: z.number().int().min(-10).max(200),
  rooms: z.array(Room).min(1),
});

export const Building = z.object({
  id: Id,
  name: z.string().min(1).max(100),
  floors: z.array(Floor).min(1),
});

export const Contact = z.object({
  name: z.string().min(1).max(100),
  relation: z.string().max(50).optional(),
  phone: z.string().regex(/^\+?[0-9 -]{3,20}$/, 'must be a phone number'),
});

export const Resident = z.object({
  id: ResidentId,
  name: z.string().min(1).max(100),
  roomId: RoomId,
  careNotes: z.string().max(2000).optional(),
  livesAlone: z.boolean().default(false),
  wanderingRisk: z.boolean().default(false),
  contacts: z.array(Contact).max(10).default([]),
  rules: ResidentRules.optional(),
});
export type Resident = z.infer<typeof Resident>;

const RflinkAddress = z.object({
  /** RFLink protocol name as it prints it, e.g. `EV1527`, `FA20RF`. */
  protocol: z.string().min(1).max(40),
  id: z.string().regex(/^[0-9A-Fa-f]{1,16}$/, 'must be the hex ID RFLink prints'),
  switch: z.string().max(8).optional(),
});

const GbAddress = z.object({
  systemAddress: z.number().int().min(0).max(255).default(0),
  componentAddress: z.number().int().min(0).max(0xffffffff),
});

export const Device = z.object({
  id: DeviceId,
  profile: z.string().min(1).max(64),
  name: z.string().max(100).optional(),
  roomId: RoomId.optional(),
  residentId: ResidentId.optional(),
  transport: Transport,
  /** MQTT username for native devices; defaults to the device id. */
  mqttUsername: z.string().min(1).max(64).optional(),
  friendlyName: z.string().min(1).max(200).optional(),
  /** Zigbee2MQTT definition model (e.g. `HESZB-120`): picks how its properties map to our fields. */
  model: z.string().min(1).max(64).optional(),
  /** The bridge (site file `bridges[].name`) a Zigbee2MQTT device is behind; the first bridge when absent. */
  bridge: z.string().max(32).optional(),
  rflink: RflinkAddress.optional(),
  gb26875: GbAddress.optional(),
  watchId: z.string().regex(/^[0-9]{10,15}$/, 'must be the 10-digit id or 15-digit IMEI').optional(),
  platform: z.string().min(1).max(40).optional(),
  platformDeviceId: z.string().min(1).max(128).optional(),
  /** Supervision: overrides the profile's expected report interval. */
  reportIntervalSec: z.number().int().min(10).max(7 * 86400).optional(),
});
export type Device = z.infer<typeof Device>;

export const SerialPortConfig = z.object({
  path: z.string().min(1),
  framing: z.enum(['rflink', 'gb26875']),
  baudRate: z.number().int().positive().default(57600),
});

export const BridgeConfig = z.object({
  name: z.string().regex(/^[a-z0-9_-]{1,32}$/),
  kind: z.literal('zigbee2mqtt').default('zigbee2mqtt'),
  baseTopic: z.string().regex(/^[^#+]+$/, 'must not contain MQTT wildcards').default('zigbee2mqtt'),
  /** Subscribe to an external broker instead of receiving on the gateway's own. */
  external: z.object({ url: z.string().url(), username: z.string().optional(), passwordEnv: z.string().optional() }).optional(),
});

export const SiteFile = z.object({
  site: z.object({
    id: SiteId,
    name: z.string().min(1).max(200),
    kind: z.enum(['institution', 'home']),
    /** IANA zone of the site's wall clock: rule windows ("07:00"–"22:00") are read in it. */
    timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as "Asia/Shanghai"').default('Asia/Shanghai'),
    region: RegionPath,
  }),
  buildings: z.array(Building).min(1),
  residents: z.array(Resident).default([]),
  devices: z.array(Device).default([]),
  bridges: z.array(BridgeConfig).default([]),
  serial: z.array(SerialPortConfig).default([]),
  /** Sirens the gateway sets off itself while the server is unreachable (contract/local-sounder.ts). */
  sounders: z.array(LocalSounder).max(100).default([]),
  rules: SiteRules.default(SiteRules.parse({})),
  /** The coverage audit's rules for this site, over the defaults (contract/coverage.ts). */
  coverage: CoverageSettings.optional(),
}).superRefine(checkReferences);
export type SiteFile = z.infer<typeof SiteFile>;
export type SiteFileInput = z.input<typeof SiteFile>;

type Ctx = z.RefinementCtx;
type Parsed = {
  buildings: { floors: { rooms: { id: string }[] }[] }[];
  residents: { id: string; roomId: string }[];
  devices: Device[];
  bridges: { name: string }[];
  sounders: LocalSounder[];
};

/** Cross-references a schema alone cannot check: unique ids, rooms and residents that exist. */
function checkReferences(file: Parsed, ctx: Ctx): void {
  const rooms = new Set<string>();
  file.buildings.forEach((b, bi) => b.floors.forEach((f, fi) => f.rooms.forEach((r, ri) => {
    if (rooms.has(r.id)) ctx.addIssue({ code: 'custom', path: ['buildings', bi, 'floors', fi, 'rooms', ri, 'id'], message: `duplicate room id "${r.id}"` });
    rooms.add(r.id);
  })));
  const residents = new Set<string>();
  file.residents.forEach((r, i) => {
    if (residents.has(r.id)) ctx.addIssue({ code: 'custom', path: ['residents', i, 'id'], message: `duplicate resident id "${r.id}"` });
    residents.add(r.id);
    if (!rooms.has(r.roomId)) ctx.addIssue({ code: 'custom', path: ['residents', i, 'roomId'], message: `no room "${r.roomId}"` });
  });
  const deviceIds = new Set<string>();
  const keys = new Set<string>();
  file.devices.forEach((d, i) => {
    const at = (field: string) => ['devices', i, field];
    if (deviceIds.has(d.id)) ctx.addIssue({ code: 'custom', path: at('id'), message: `duplicate device id "${d.id}"` });
    deviceIds.add(d.id);
    if (d.roomId && !rooms.has(d.roomId)) ctx.addIssue({ code: 'custom', path: at('roomId'), message: `no room "${d.roomId}"` });
    if (d.residentId && !residents.has(d.residentId)) ctx.addIssue({ code: 'custom', path: at('residentId'), message: `no resident "${d.residentId}"` });
    if (!d.roomId && !d.residentId) ctx.addIssue({ code: 'custom', path: at('roomId'), message: 'a device needs a roomId or a residentId' });
    const address = deviceAddress(d);
    if (address === undefined) {
      ctx.addIssue({ code: 'custom', path: at(ADDRESS_FIELD[d.transport]), message: `required for transport "${d.transport}"` });
    } else if (keys.has(address)) {
      ctx.addIssue({ code: 'custom', path: at(ADDRESS_FIELD[d.transport]), message: `another device already has this ${ADDRESS_FIELD[d.transport]}` });
    } else {
      keys.add(address);
    }
  });
  const sounderIds = new Set<string>();
  file.sounders.forEach((s, i) => {
    const at = (field: string) => ['sounders', i, field];
    if (sounderIds.has(s.id)) ctx.addIssue({ code: 'custom', path: at('id'), message: `duplicate sounder id "${s.id}"` });
    sounderIds.add(s.id);
    if (s.roomId && !rooms.has(s.roomId)) ctx.addIssue({ code: 'custom', path: at('roomId'), message: `no room "${s.roomId}"` });
    if (s.bridge !== undefined ? !file.bridges.some((b) => b.name === s.bridge) : file.bridges.length === 0) {
      ctx.addIssue({ code: 'custom', path: at('bridge'), message: s.bridge !== undefined ? `no bridge "${s.bridge}"` : 'a Zigbee2MQTT sounder needs a bridge (site file `bridges`)' });
    }
    if (file.devices.some((d) => d.transport === 'zigbee2mqtt' && d.friendlyName === s.friendlyName && (d.bridge ?? file.bridges[0]?.name) === (s.bridge ?? file.bridges[0]?.name))) {
      ctx.addIssue({ code: 'custom', path: at('friendlyName'), message: `a device already has friendly name "${s.friendlyName}"` });
    }
  });
}

const ADDRESS_FIELD: Record<Transport, string> = {
  mqtt: 'mqttUsername',
  zigbee2mqtt: 'friendlyName',
  rflink: 'rflink',
  gb26875: 'gb26875',
  watch3g: 'watchId',
  platform: 'platformDeviceId',
};

/** The key a transport knows a device by; unique within a site. */
export function deviceAddress(d: Device): string | undefined {
  switch (d.transport) {
    case 'mqtt': return `mqtt:${d.mqttUsername ?? d.id}`;
    case 'zigbee2mqtt': return d.friendlyName && `z2m:${d.friendlyName}`;
    case 'rflink': return d.rflink && `rflink:${d.rflink.protocol.toLowerCase()}:${d.rflink.id.toLowerCase()}:${(d.rflink.switch ?? '').toLowerCase()}`;
    case 'gb26875': return d.gb26875 && `gb:${d.gb26875.systemAddress}:${d.gb26875.componentAddress}`;
    case 'watch3g': return d.watchId && `watch:${d.watchId}`;
    case 'platform': return d.platform && d.platformDeviceId ? `platform:${d.platform}:${d.platformDeviceId}` : undefined;
  }
}

/** Zones already checked: a regional gateway loads thousands of homes in one zone. */
const knownZones = new Map<string, boolean>();

function isTimeZone(tz: string): boolean {
  let ok = knownZones.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    if (knownZones.size < 1000) knownZones.set(tz, ok);
  }
  return ok;
}

/** Every problem of a zod error as `path: message`, one a line (STYLE.md: settings errors listed). */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}
