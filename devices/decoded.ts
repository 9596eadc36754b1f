/**
 * Bad input is a value, not an exception (STYLE.md "Errors"): every decoder returns either a
 * decoded value or a rejection with a reason code (counted per code in the gateway's metrics)
 * and a human-readable detail (logged, rate-limited).
 */
export const REJECT_REASONS = [
  'malformed_json',   // not JSON, or not a JSON object where one is required
  'schema',           // JSON, but a field has the wrong type or range, or an unknown field
  'unknown_device',   // well-formed, but no device of the site has this address
  'unknown_site',     // a topic or push names a site this gateway does not watch
  'topic',            // a topic outside the grammar or outside the client's ACL
  'oversize',         // payload or frame over the transport's bound
  'bad_checksum',     // frame checksum does not match
  'bad_frame',        // framing broken: wrong header, trailer, length or missing fields
  'truncated',        // frame ended before its declared length
  'noise',            // bytes between frames that belong to none
  'unsupported',      // a well-formed message type this gateway does not handle
  'bad_signature',    // a platform push whose signature does not verify
  'auth',             // wrong credentials
  'stale',            // a timestamp outside the freshness window (a replay, or a clock far off)
  'identity',         // a connection speaking for a device it did not identify as (takeover, impersonation)
  'busy',             // refused unread: the intake is over its share of the loop (a flood); the sender retries
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Rejected { ok: false; reason: RejectReason; detail: string }
export interface Accepted<T> { ok: true; value: T }
export type Decoded<T> = Accepted<T> | Rejected;

export function accept<T>(value: T): Accepted<T> {
  return { ok: true, value };
}

export function reject(reason: RejectReason, detail: string): Rejected {
  return { ok: false, reason, detail };
}
