import { z } from 'zod';
import { EventKind } from './event.ts';
import { DeviceId, SiteId } from './ids.ts';

/**
 * The gateway's upstream links (docs/upstream.md): alarm receiving centres over SIA DC-09 and the
 * city's fire remote-monitoring centre over GB/T 26875.3. Given as `carewatch gateway --upstream
 * FILE` (YAML or JSON); validated once, all errors listed as `path: message`.
 */
const Endpoint = z.object({
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535),
});
export type UpstreamEndpoint = z.infer<typeof Endpoint>;

const LinkName = z.string().regex(/^[a-z0-9_-]{1,32}$/, 'must be 1-32 of a-z, 0-9, "_" or "-"');
const Hex = (min: number, max: number) => z.string().regex(new RegExp(`^[0-9A-Fa-f]{${min},${max}}$`), `must be ${min}-${max} hex digits`);

export const Dc09CodeOverride = z.object({
  cid: z.number().int().min(100).max(999),
  sia: z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter SIA DC-03 code'),
  siaRestore: z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter SIA DC-03 code'),
});

/** Per event kind: a code pair, or null to keep the kind off the link. */
const CodeOverrides = z.partialRecord(EventKind, Dc09CodeOverride.nullable());

export const Dc09Site = z.object({
  /** The site's account at the receiver (DC-09 `#acct`): 3-16 hex digits. */
  account: Hex(3, 16),
  /** Zone number per device; devices not listed get their 1-based place in the site file. */
  zones: z.record(DeviceId, z.number().int().min(0).max(999)).optional(),
  /** Contact ID group / SIA area. */
  partition: z.number().int().min(0).max(99).default(1),
  codes: CodeOverrides.optional(),
});

export const Dc09LinkConfig = z.object({
  kind: z.literal('dc09'),
  name: LinkName,
  protocol: z.enum(['tcp', 'udp']).default('tcp'),
  primary: Endpoint,
  backup: Endpoint.optional(),
  /** Receiver number and line prefix (DC-09 `R…` and `L…`), hex. */
  receiver: Hex(1, 6).optional(),
  line: Hex(1, 6).optional(),
  format: z.enum(['ADM-CID', 'SIA-DCS']).default('ADM-CID'),
  /**
   * AES key (32, 48 or 64 hex digits) from this environment variable: keys stay out of files
   * that get copied around. Absent: messages go in clear.
   */
  keyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name').optional(),
  sites: z.record(SiteId, Dc09Site).refine((s) => Object.keys(s).length > 0, 'must name at least one site'),
  codes: CodeOverrides.optional(),
  /** How long to wait for ACK/NAK/DUH before trying again. */
  ackTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  /** Tries on one receiver before failing over to the other. */
  attempts: z.number().int().min(1).max(10).default(3),
  /** Link test: a NULL message after this many idle seconds (0: none). */
  supervisionSec: z.number().int().min(0).max(86_400).default(60),
  /** While on the backup, how often to try the primary again. */
  primaryRetrySec: z.number().int().min(1).max(86_400).default(60),
});
export type Dc09LinkConfig = z.infer<typeof Dc09LinkConfig>;

export const GbComponentOverride = z.object({
  systemType: z.number().int().min(0).max(255).optional(),
  systemAddress: z.number().int().min(0).max(255).optional(),
  componentType: z.number().int().min(0).max(255).optional(),
  componentAddress: z.number().int().min(0).max(0xffffffff),
});

export const Gb26875LinkConfig = z.object({
  kind: z.literal('gb26875'),
  name: LinkName,
  /** The site this link speaks for: one site is one user information transmission device. */
  site: SiteId,
  centre: Endpoint,
  /** This device's 6-byte address at the centre, and the centre's own. */
  address: z.number().int().min(0).max(2 ** 48 - 1),
  centreAddress: z.number().int().min(0).max(2 ** 48 - 1).default(0),
  checksum: z.enum(['sum8', 'crc16-modbus']).default('sum8'),
  /** Offset of the centre's clock from UTC (frames carry wall time), minutes. */
  tzOffsetMinutes: z.number().int().min(-720).max(840).default(480),
  /** Device status report (type 21) every so many seconds: the agreed heartbeat. */
  heartbeatSec: z.number().int().min(1).max(3600).default(60),
  confirmTimeoutMs: z.number().int().min(100).max(120_000).default(5_000),
  attempts: z.number().int().min(1).max(10).default(3),
  /** Component per device where the panel's numbering differs from the defaults. */
  components: z.record(DeviceId, GbComponentOverride).optional(),
});
export type Gb26875LinkConfig = z.infer<typeof Gb26875LinkConfig>;

export const UpstreamLinkConfig = z.discriminatedUnion('kind', [Dc09LinkConfig, Gb26875LinkConfig]);
export type UpstreamLinkConfig = z.infer<typeof UpstreamLinkConfig>;

export const UpstreamConfig = z.object({
  links: z.array(UpstreamLinkConfig).min(1),
}).superRefine((c, ctx) => {
  const seen = new Set<string>();
  c.links.forEach((l, i) => {
    if (seen.has(l.name)) ctx.addIssue({ code: 'custom', path: ['links', i, 'name'], message: `duplicate link name "${l.name}"` });
    seen.add(l.name);
  });
});
export type UpstreamConfig = z.infer<typeof UpstreamConfig>;
export type UpstreamConfigInput = z.input<typeof UpstreamConfig>;
