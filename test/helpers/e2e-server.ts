import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Alarm, AlarmChange, AlarmListResponse, type Event, type EventAction, type EventKind } from '../../contract/index.ts';
import { SERVER_DB_FILE } from '../../server/services/store/sqlite-store.ts';
import { SseClient } from './sse-client.ts';

/** What the server tells a console, over its public API, with one user's token. */
export class ServerView {
  constructor(readonly serverUrl: string, private readonly token: string) {}

  async alarms(query: { site?: string; status?: 'active' | 'all' } = {}): Promise<AlarmListResponse> {
    const params = new URLSearchParams({ status: query.status ?? 'all', limit: '1000', ...(query.site ? { site: query.site } : {}) });
    const res = await fetch(`${this.serverUrl}/api/v1/alarms?${params}`, { headers: { authorization: `Bearer ${this.token}` } });
    if (res.status !== 200) throw new Error(`GET /alarms answered ${res.status}: ${await res.text()}`);
    return AlarmListResponse.parse(await res.json());
  }

  /** Alarms of one device (or subject) and kind, every status. */
  async alarmsOf(site: string, match: { deviceId?: string; subject?: string; kind: EventKind }): Promise<Alarm[]> {
    const { alarms } = await this.alarms({ site, status: 'all' });
    return alarms.filter((a) => a.kind === match.kind
      && (match.deviceId === undefined || a.deviceId === match.deviceId)
      && (match.subject === undefined || a.subject === match.subject));
  }

  /**
   * The whole persisted change log, replayed over the SSE stream from `Last-Event-ID: 0` up to
   * the newest change id the alarm list reports — what a console reconnecting from scratch reads.
   * (Change ids are opaque, issue 16: `changeId` is the stream's id as sent.)
   */
  async changeLog(): Promise<Array<AlarmChange & { changeId: string }>> {
    const { lastChangeId } = await this.alarms({ status: 'all' });
    if (lastChangeId === '0') return [];
    const sse = new SseClient(`${this.serverUrl}/api/v1/stream`, { authorization: `Bearer ${this.token}`, 'last-event-id': '0' });
    await sse.open();
    try {
      if (sse.status !== 200) throw new Error(`GET /stream answered ${sse.status}`);
      await sse.next((m) => m.id === lastChangeId, 10_000);
      return sse.messages
        .filter((m) => m.event === 'message' && m.id !== null)
        .map((m) => ({ changeId: m.id!, ...AlarmChange.parse(JSON.parse(m.data)) }));
    } finally {
      sse.close();
    }
  }
}

export interface StoredEventRow {
  id: string;
  siteId: string;
  kind: EventKind;
  action: EventAction;
  subject: string;
  deviceId: string | null;
  seq: number;
  count: number;
}

/**
 * The events the server stored, read from its database file (read-only, beside the running
 * server: WAL lets a reader in). The API has no event listing; this is the ground truth that
 * "exactly once" is about — each event a row, each id once.
 */
export function storedEvents(serverDataDir: string, where: { siteId?: string; kind?: EventKind } = {}): StoredEventRow[] {
  const db = new Database(join(serverDataDir, SERVER_DB_FILE), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT id, site_id, kind, action, subject, device_id, seq, body FROM events ORDER BY site_id, subject, seq').all() as Array<{
      id: string; site_id: string; kind: EventKind; action: EventAction; subject: string; device_id: string | null; seq: number; body: string;
    }>;
    return rows
      .filter((r) => (where.siteId === undefined || r.site_id === where.siteId) && (where.kind === undefined || r.kind === where.kind))
      .map((r) => ({
        id: r.id, siteId: r.site_id, kind: r.kind, action: r.action, subject: r.subject, deviceId: r.device_id, seq: r.seq,
        count: (JSON.parse(r.body) as Event).count,
      }));
  } finally {
    db.close();
  }
}

/** The gateway's own status page as JSON (outbox depth per lane, forwarder stats). */
export async function gatewayStatus(gatewayUrl: string, headers: Record<string, string>): Promise<{ outbox: Record<string, number>; forwarder: { sent: number; duplicates: number; failures: number } | null }> {
  const res = await fetch(`${gatewayUrl}/status.json`, { headers, signal: AbortSignal.timeout(2000) });
  if (res.status !== 200) throw new Error(`GET /status.json answered ${res.status}`);
  return await res.json() as { outbox: Record<string, number>; forwarder: { sent: number; duplicates: number; failures: number } | null };
}

export function outboxTotal(status: { outbox: Record<string, number> }): number {
  return Object.values(status.outbox).reduce((a, b) => a + b, 0);
}
