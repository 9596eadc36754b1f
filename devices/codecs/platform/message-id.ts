import { createHash } from 'node:crypto';

/**
 * A message id for platforms that send none (CTWing, classic OneNET push).
 *
 * Why a hash of platform + device + timestamp + payload, not a random id: platforms retry a push
 * they think failed (CTWing up to 3 times, OneNET until it sees HTTP 200), and a retry carries the
 * same message, so it must get the same id for the outbox and the server to keep it once. The
 * timestamp is in the hash so that two genuinely separate reports with equal content (a second
 * smoke alarm a minute later) stay two messages. Keys are sorted first so that a platform
 * re-serialising its JSON in another key order still yields the same id.
 */
export function stableMessageId(platform: string, deviceId: string, ts: number, payload: unknown): string {
  const digest = createHash('sha256').update(`${platform}\n${deviceId}\n${ts}\n${canonicalJson(payload)}`).digest('hex');
  return `${platform}:${digest.slice(0, 32)}`;
}

/** JSON with object keys sorted at every depth (depth-limited: payloads are small, input is hostile). */
export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > 32) return '"…"';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, depth + 1)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], depth + 1)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
