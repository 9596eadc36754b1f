import type { Event, LocalAlarm } from '../../contract/index.ts';

export interface Place {
  siteName: string;
  timezone: string;
  room: string | null;
}

/**
 * The active life-safety alarms of the gateway's sites, kept from the events its rules store
 * (a `life_safety` raise → active; the same key's clear → gone), so night staff see them while the
 * server cannot be reached (issue 15). Keyed as the server keys alarms: (site, subject, kind).
 *
 * In memory, rebuilt at start from the life-safety events still waiting in the outbox — those
 * the server has not had yet, which is what matters while it is unreachable. An alarm the server
 * already had before a gateway restart is on the server's consoles, not here (docs/gateway-page.md).
 */
export class LocalAlarms {
  private readonly active = new Map<string, LocalAlarm>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly placeOf: (siteId: string, roomId: string | undefined) => Place) {}

  apply(e: Event): void {
    const key = `${e.siteId}|${e.subject}|${e.kind}`;
    if (e.action === 'clear') {
      if (this.active.delete(key)) this.emit();
      return;
    }
    if (e.action !== 'raise' || e.lane !== 'life_safety') return;
    const prev = this.active.get(key);
    const place = this.placeOf(e.siteId, e.roomId);
    this.active.set(key, {
      key, siteId: e.siteId, siteName: place.siteName, timezone: place.timezone, kind: e.kind, severity: e.severity,
      subject: e.subject, deviceId: e.deviceId ?? null, room: place.room,
      raisedAt: prev?.raisedAt ?? e.ts, count: (prev?.count ?? 0) + e.count,
      // A repeat of a silenced alarm stays silenced; a new alarm (another key) sounds again.
      silencedAt: prev?.silencedAt ?? null,
    });
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
    if (done.length > 0) this.emit();
    return done;
  }

  has(key: string): boolean {
    return this.active.has(key);
  }

  /** Newest first. */
  list(): LocalAlarm[] {
    return [...this.active.values()].sort((a, b) => b.raisedAt - a.raisedAt).map((a) => ({ ...a }));
  }

  get size(): number {
    return this.active.size;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}
