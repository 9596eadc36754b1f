// The order night staff work in: most severe first, then the oldest (it has waited longest), and
// an unacknowledged alarm above an acknowledged one of the same severity (IEC 62682 § 11.3: the
// display shows priority first).
import type { Alarm } from '../../contract/index.ts';

const SEVERITY_RANK: Record<string, number> = { critical: 0, major: 1, minor: 2, warning: 3, info: 4 };

export function severityRank(severity: string): number {
  return SEVERITY_RANK[severity] ?? 5;
}

export const isUnacked = (alarm: Alarm): boolean => alarm.status === 'active_unack' || alarm.status === 'cleared_unack';

export function byPriority(a: Alarm, b: Alarm): number {
  return severityRank(a.severity) - severityRank(b.severity)
    || Number(isUnacked(b)) - Number(isUnacked(a))
    || (a.raisedAt < b.raisedAt ? -1 : a.raisedAt > b.raisedAt ? 1 : 0)
    || (a.id < b.id ? -1 : 1);
}
