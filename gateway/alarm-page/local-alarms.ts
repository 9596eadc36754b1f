import type { Event, LocalAlarm } from '../../contract/index.ts';
import { type SqliteLocalAlarms, type StoredLocalAlarm, localAlarmKey } from '../store/sqlite-local-alarms.ts';

export interface Place {
  siteName: string;
  timezone: string;
  room: string | null;
}

/** Where the open alarms are kept (store/sqlite-local-alarms.ts); the outbox writes them with each event. */
export type LocalAlarmStore = Pick<SqliteLocalAlarms, 'get' | 'all' | 'silence'>;

/**
 * The active life-safety alarms of the gateway's sites, kept from the events its rules store
 * (a `life_safety` raise → active; the same key's clear → gone), so night staff see them while the
 * server cannot be reached (issue 15). Keyed as the server keys alarms: (site, subject, kind).
 *
 * The list is on disk, written in the transaction that stores each event (`store`); this is its
 * cache, read at start and brought up to date after each event — a gateway restarted during an
 * outage shows what it showed before (docs/gateway-page.md).
 */
export class LocalAlarms {
  /** Rows as stored; site and room names are looked up when listed (the sites load after this). */
  private readonly active = new Map<string, StoredLocalAlarm>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly placeOf: (siteId: string, roomId: string | undefined) => Place, private readonly store: LocalAlarmStore) {
    for (const row of store.all()) this.active.set(row.key, row);
  }

  /** An event the outbox stored (and, with it, its effect on the stored list). */
  apply(e: Event): void {
    if (e.action !== 'clear' && !(e.action === 'raise' && e.lane === 'life_safety')) return;
    const key = localAlarmKey(e);
    const row = this.store.get(key);
    if (row) this.active.set(key, row);
    else if (!this.active.delete(key)) return;
    this.emit();
  }

  /** Silences alarms on this gateway only (not an acknowledgement); returns the keys silenced now. */
  silence(keys: readonly string[] | 'all', at: number): string[] {
    const done: string[] = [];
    for (const alarm of this.active.values()) {
      if (alarm.silencedAt !== null || (keys !== 'all' && !keys.includes(alarm.key))) continue;
      alarm.silencedAt = at;
      done.push(alarm.key);
    }
    if (done.length === 0) return done;
    this.store.silence(done, at);
    this.emit();
    return done;
  }

  has(key: string): boolean {
    return this.active.has(key);
  }

  /** Newest first. */
  list(): LocalAlarm[] {
    return [...this.active.values()].sort((a, b) => b.raisedAt - a.raisedAt).map((a) => this.toLocal(a));
  }

  get size(): number {
    return this.active.size;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private toLocal(row: StoredLocalAlarm): LocalAlarm {
    const place = this.placeOf(row.siteId, row.roomId ?? undefined);
    return {
      key: row.key, siteId: row.siteId, siteName: place.siteName, timezone: place.timezone, kind: row.kind, severity: row.severity,
      subject: row.subject, deviceId: row.deviceId, room: place.room, raisedAt: row.raisedAt, count: row.count, silencedAt: row.silencedAt,
    };
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}
