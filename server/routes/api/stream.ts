import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from '../../plugins/external/zod-compiler.ts';
import { READER_ROLES, canSeeAlarm } from '../../services/scope.ts';
import type { StoredAlarmChange } from '../../services/store/types.ts';
import { badRequest } from '../../http-error.ts';
import { allowRoles, principalOf } from './guards.ts';

/** A comment line this often keeps proxies and the console's watchdog sure the stream is alive. */
export const SSE_HEARTBEAT_MS = 15_000;
/** A console further behind than this reloads the list instead of replaying every change. */
export const MAX_REPLAY = 5_000;
/** A client that stops reading is cut off rather than buffered without bound; it resumes by id. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const REPLAY_PAGE = 500;

// Loose: the parsed value replaces request.headers, which must keep every other header.
const StreamHeaders = z.looseObject({
  'last-event-id': z.string().max(64).optional(),
});

/**
 * `GET /stream`: Server-Sent Events (WHATWG HTML § 9.2) of alarm changes in the caller's scope.
 * `id:` is the persisted change id, sealed (services/change-ids.ts: the one change log of all sites
 * must not show a caller how much happened elsewhere, issue 16), so `Last-Event-ID` resumes after a
 * reconnect or a server restart; `event: reset` tells a client too far behind (or ahead of a
 * rebuilt store) to reload.
 */
export default async function streamRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/stream', {
    onRequest: allowRoles(READER_ROLES, 'read the alarm stream (gateways only deliver events)'),
    schema: { headers: StreamHeaders },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const lastEventId = request.headers['last-event-id'];
    const after = lastEventId === undefined ? undefined : app.changeIds.decode(lastEventId);
    // Only ids this server gave (or "0"): a guessed number would let a caller probe the log's length.
    if (lastEventId !== undefined && after === undefined) throw badRequest('headers.last-event-id: not a change id this server gave (use the id of the last event received, or "0")');

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx and similar proxies would otherwise hold events back.
      'X-Accel-Buffering': 'no',
    });
    request.raw.socket.setNoDelay(true);
    res.write('retry: 2000\n\n');

    let closed = false;
    let unsubscribe = (): void => {};
    const heartbeat = setInterval(() => res.write(': ping\n\n'), SSE_HEARTBEAT_MS);
    const close = (): void => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(heartbeat);
      app.liveStreams.delete(close);
      if (!res.writableEnded) res.end();
    };
    app.liveStreams.add(close);
    res.on('close', close);
    res.on('error', close);

    const send = (change: StoredAlarmChange): void => {
      if (closed || !canSeeAlarm(principal, change.alarm)) return;
      res.write(`id: ${app.changeIds.encode(change.changeId)}\ndata: ${JSON.stringify({ change: change.change, alarm: change.alarm })}\n\n`);
      if (res.writableLength > MAX_BUFFERED_BYTES) close();
    };

    // Subscribe first and hold live changes back while the history is replayed, then let through
    // only those newer than the last one replayed: no change committed meanwhile is missed or sent twice.
    let replaying = true;
    let sentUpTo = after ?? 0;
    const held: StoredAlarmChange[] = [];
    unsubscribe = app.alarmBus.subscribe((change) => {
      if (replaying) held.push(change);
      else if (change.changeId > sentUpTo) { sentUpTo = change.changeId; send(change); }
    });
    const newest = await app.store.read((tx) => tx.alarms.lastChangeId());
    if (after !== undefined) {
      if (after > newest || newest - after > MAX_REPLAY) {
        res.write(`id: ${app.changeIds.encode(newest)}\nevent: reset\ndata: {}\n\n`);
        sentUpTo = newest;
      } else {
        for (let from = after; !closed;) {
          const page = await app.store.read((tx) => tx.alarms.changesAfter(from, REPLAY_PAGE));
          for (const change of page) { sentUpTo = change.changeId; send(change); }
          if (page.length < REPLAY_PAGE) break;
          from = page[page.length - 1]!.changeId;
        }
      }
    } else {
      sentUpTo = newest;
    }
    replaying = false;
    for (const change of held) {
      if (change.changeId > sentUpTo) { sentUpTo = change.changeId; send(change); }
    }
  });
}
