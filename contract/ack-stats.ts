import { z } from 'zod';
import { Id } from './ids.ts';

/**
 * `GET /api/v1/stats/acknowledgement?from=&to=[&region=]`: how fast calls were acknowledged in a
 * window, over the caller's scope (issue 20's call-centre board). Telecare practice (TSA Quality
 * Standards Framework; the issue cites 97.5–98.5 %) measures the share of calls answered within
 * 60 s. Counted: alarms raised in [from, to) that are calls for help or fire — not device, gateway or
 * link troubles. An alarm still unacknowledged and younger than the target is not yet decided and is
 * left out; one older than the target counts as missed.
 */
export const ACK_TARGET_SEC = 60;

export const AckStatsQuery = z.object({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  region: Id.optional(),
});
export type AckStatsQuery = z.infer<typeof AckStatsQuery>;

export const AckStats = z.object({
  from: z.string(),
  to: z.string(),
  targetSec: z.number().int(),
  /** Calls counted (decided). */
  alarms: z.number().int().min(0),
  acknowledged: z.number().int().min(0),
  withinTarget: z.number().int().min(0),
  /** withinTarget / alarms, 0–1; null when there were none. */
  share: z.number().min(0).max(1).nullable(),
  /** Median time to acknowledge of those acknowledged, in seconds; null when none were. */
  medianAckSec: z.number().min(0).nullable(),
  /** True when the window held more alarms than one answer reads: the figures cover the newest only. */
  truncated: z.boolean(),
});
export type AckStats = z.infer<typeof AckStats>;

/** Kinds that are troubles of the system, not calls a person must answer. */
export function isTechnicalKind(kind: string): boolean {
  return kind.startsWith('device.') || kind.startsWith('gateway.') || kind.startsWith('link.');
}
