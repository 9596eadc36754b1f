import type { Reading } from '../../contract/index.ts';
import { type RejectReason, type Rejected, reject } from '../../devices/decoded.ts';
import { type PlatformMapping, type PlatformMessage, type PushRequest, decodePush } from '../../devices/codecs/platform/index.ts';
import type { Logger } from '../log.ts';
import type { Rejections } from '../rejections.ts';
import type { Located, SiteRegistry } from '../site/site-registry.ts';
import { fieldsAlarm } from '../site/unregistered-devices.ts';
import type { PushDedupe } from './push-dedupe.ts';
import { MAX_PUSH_DEPTH, jsonDepth } from './json-bounds.ts';

/**
 * One configured platform: how its pushes read, and its token. No token: every push is refused
 * (fail closed, issue 16 — an unauthenticated push raised and cleared a home's fire alarm).
 */
export interface PushPlatform {
  mapping: PlatformMapping;
  /**
   * `token`: a shared token in the URL or a header (CTWing, which does not sign), checked before
   * the body is read; `signed`: a signature over the body (OneNET, HMAC), checked after a bounded read.
   */
  auth: 'token' | 'signed';
  secret?: string;
}

export interface PushIngestDeps {
  registry: SiteRegistry;
  rejections: Rejections;
  dedupe: PushDedupe;
  log: Logger;
  clock: () => number;
  /**
   * Messages whose platform time is older than `pastMs` (default 48 h: the dedupe's retention,
   * so every message inside the window is one the dedupe still remembers) or more than
   * `futureMs` ahead (default 10 min) are refused as replays (issue 16).
   */
  freshness?: { pastMs: number; futureMs: number };
  /** Messages stored / dropped as retries, per platform (metrics). */
  counted?: (platform: string, outcome: 'accepted' | 'duplicate' | 'unknown_device' | 'stale') => void;
}

/** What a push got, per message. */
export interface PushResult {
  accepted: number;
  duplicates: number;
  unknownDevices: number;
  /** A well-formed push with nothing for us (a command receipt, a message type we do not handle). */
  ignored: number;
}

export type PushAnswer =
  | { status: 200; body: PushResult }
  | { status: 400 | 401 | 403 | 413 | 503; body: { error: string; reason: RejectReason | 'store_failed' } };

/**
 * HTTP status per refusal. Only what a retry could fix may get a non-2xx the platform retries:
 * a refused signature or a broken body never will, but the platform should show the integrator
 * an error, so they get 4xx; a message type we do not handle is answered 200 (counted), or the
 * platform would retry it for hours.
 */
const STATUS: Partial<Record<RejectReason, 400 | 401 | 403 | 413>> = {
  auth: 401,
  bad_signature: 403,
  oversize: 413,
};

export const DEFAULT_FRESHNESS = { pastMs: 48 * 3600_000, futureMs: 10 * 60_000 };

/**
 * What is refused before JSON.parse sees the body: a platform with no token (fail closed), a
 * shared token that does not match (constant time), a body nested deeper than any platform sends.
 * The route checks the token earlier still, before reading the body; this keeps `ingestPush`
 * safe for any caller.
 */
export function refuseBeforeParsing(name: string, platform: PushPlatform, req: PushRequest): Rejected | undefined {
  if (platform.secret === undefined) {
    return reject('auth', `platform "${name}" has no token configured on this gateway: its pushes are refused (docs/home-links.md)`);
  }
  if (platform.auth === 'token') {
    const verified = platform.mapping.verify({ ...req, rawBody: Buffer.alloc(0) }, platform.secret);
    if (!verified.ok) return verified;
  }
  const depth = jsonDepth(req.rawBody);
  if (depth > MAX_PUSH_DEPTH) return reject('oversize', `push body nested deeper than ${MAX_PUSH_DEPTH} levels`);
  return undefined;
}

/**
 * One push, already read whole: verify → decode → per message: drop a retry already stored,
 * find the device, push the reading, remember the message id. Runs synchronously, so the answer
 * (200 only after every reading's events are durable) goes out within milliseconds.
 */
export function ingestPush(name: string, platform: PushPlatform, req: PushRequest, deps: PushIngestDeps): PushAnswer {
  const receivedAt = deps.clock();
  const ctx = { platform: name };
  const refusedUp = refuseBeforeParsing(name, platform, req);
  if (refusedUp) {
    deps.rejections.record('platform', refusedUp, ctx);
    return { status: STATUS[refusedUp.reason] ?? 400, body: { error: refusedUp.detail, reason: refusedUp.reason } };
  }
  const decoded = decodePush(platform.mapping, req, platform.secret, receivedAt);
  if (!decoded.ok) {
    deps.rejections.record('platform', decoded, ctx);
    if (decoded.reason === 'unsupported') return { status: 200, body: { accepted: 0, duplicates: 0, unknownDevices: 0, ignored: 1 } };
    return { status: STATUS[decoded.reason] ?? 400, body: { error: decoded.detail, reason: decoded.reason } };
  }
  const result: PushResult = { accepted: 0, duplicates: 0, unknownDevices: 0, ignored: decoded.value.length === 0 ? 1 : 0 };
  const { pastMs, futureMs } = deps.freshness ?? DEFAULT_FRESHNESS;
  for (const m of decoded.value) {
    if (m.ts < receivedAt - pastMs || m.ts > receivedAt + futureMs) {
      // Answered 200: no retry makes it fresh. Counted and logged, never stored.
      deps.rejections.record('platform', reject('stale', `${name} message of ${new Date(m.ts).toISOString()} is outside the freshness window (${pastMs / 3600_000} h back, ${futureMs / 60_000} min ahead)`), ctx);
      result.ignored += 1;
      deps.counted?.(name, 'stale');
      continue;
    }
    if (deps.dedupe.seen(name, m.messageId)) {
      result.duplicates += 1;
      deps.counted?.(name, 'duplicate');
      continue;
    }
    const located = deps.registry.locate(`platform:${name}:${m.platformDeviceId}`);
    if (!located) {
      // Answered 200 all the same: no retry makes an unconfigured device known (docs/home-links.md).
      deps.rejections.record('platform', reject('unknown_device', `no site has a ${name} device "${m.platformDeviceId}"`), ctx);
      // Never nothing (issue 15): raised as device.unregistered, naming it.
      deps.registry.reportUnregistered({
        transport: 'platform', link: `platform:${name}`, address: `platform:${name}:${m.platformDeviceId}`, ts: receivedAt,
        label: `${name} device "${m.platformDeviceId}"`, alarm: fieldsAlarm(m.fields),
      });
      result.unknownDevices += 1;
      deps.counted?.(name, 'unknown_device');
      continue;
    }
    if (m.dropped?.length) {
      deps.rejections.record('platform', reject('schema', `values not taken from ${name} device "${m.platformDeviceId}": ${m.dropped.join('; ')}`), ctx);
    }
    try {
      located.runtime.push(platformReading(name, located, m, receivedAt));
    } catch (err) {
      // Not durable: no 200, and the id is not remembered, so the platform's retry is taken.
      deps.log.error({ err, platform: name, deviceId: located.device.id }, 'could not store an event of a platform push; answering 503 so it is retried');
      return { status: 503, body: { error: 'event store unavailable; retry', reason: 'store_failed' } };
    }
    deps.dedupe.remember(name, m.messageId);
    result.accepted += 1;
    deps.counted?.(name, 'accepted');
  }
  return { status: 200, body: result };
}

/**
 * A platform message as a reading, at the platform's timestamp. A message with no field we keep
 * (a transparent product's bytes, a datastream we do not map) still proves the device alive:
 * it becomes `availability: online`, as the supervision rule counts any reading.
 */
export function platformReading(name: string, located: Located, m: PlatformMessage, receivedAt: number): Reading {
  const base = {
    siteId: located.runtime.site.id,
    deviceId: located.device.id,
    ts: m.ts,
    receivedAt,
    source: { transport: 'platform' as const, link: name },
  };
  if (m.kind === 'availability') return { ...base, type: 'availability', online: m.online ?? true };
  if (Object.keys(m.fields).length === 0) return { ...base, type: 'availability', online: true };
  return { ...base, type: 'state', fields: m.fields };
}
