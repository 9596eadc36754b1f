import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlarmChange } from '../../contract/index.ts';
import { startNatsServer } from '../helpers/nats-server.ts';
import type { NatsServer } from '../helpers/nats-server.ts';
import { ServerReplica } from '../helpers/nats-replicas.ts';
import { SseClient } from '../helpers/sse-client.ts';
import { bearer, event, makeProvisioning, tempDir, writeProvisioning } from '../server/helpers.ts';

/**
 * Issue 22, the bus: two real server processes on one store, their live changes shared through a
 * real nats-server. A console on one replica sees what the other committed; a client resumes on
 * either with Last-Event-ID; a provisioning change made on one reaches the other by the bus.
 */
describe('replicas share live changes through NATS', () => {
  const dir = tempDir('carewatch-natsbus-');
  const { provisioning, tokens } = makeProvisioning();
  let nats: NatsServer;
  let a: ServerReplica;
  let b: ServerReplica;

  beforeAll(async () => {
    nats = await startNatsServer(join(dir.path, 'nats'));
    const dataDir = join(dir.path, 'server');
    mkdirSync(dataDir, { recursive: true });
    const provisionFile = writeProvisioning(dir.path, provisioning);
    const env = { CAREWATCH_ADMIN_PASSWORD: 'correct horse battery staple 22' };
    // One after the other: the first start writes the schema and the first administrator.
    a = await new ServerReplica({ dataDir, provisionFile, busUrl: nats.url, env }).start();
    b = await new ServerReplica({ dataDir, provisionFile, busUrl: nats.url, env }).start();
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await nats?.stop();
    dir.remove();
  });

  const stream = async (url: string, token: string, lastEventId?: string): Promise<SseClient> => {
    const sse = new SseClient(`${url}/api/v1/stream`, { ...bearer(token), ...(lastEventId ? { 'last-event-id': lastEventId } : {}) });
    await sse.open();
    expect(sse.status).toBe(200);
    return sse;
  };
  const ingest = async (url: string, events: unknown[]): Promise<void> => {
    const res = await fetch(`${url}/api/v1/ingest`, {
      method: 'POST', headers: { ...bearer(tokens['gw-a']), 'content-type': 'application/json' }, body: JSON.stringify({ gatewayId: 'gw-a', events }),
    });
    expect(res.status).toBe(200);
  };
  const changeOf = (data: string) => AlarmChange.parse(JSON.parse(data));

  it('an alarm ingested on one replica appears on the other replica\'s stream, and an ack there comes back', async () => {
    const onB = await stream(b.url, tokens.staffA);
    const onA = await stream(a.url, tokens.staffA);
    try {
      const raise = event({ subject: 'device:btn-bus-1', deviceId: 'btn-bus-1' });
      await ingest(a.url, [raise]);
      const seenOnB = await onB.next((m) => m.event === 'message' && changeOf(m.data).alarm.deviceId === 'btn-bus-1', 15_000);
      const raised = changeOf(seenOnB.data);
      expect(raised.change).toBe('raised');
      expect(raised.alarm.kind).toBe('call.button');

      const ack = await fetch(`${b.url}/api/v1/alarms/${raised.alarm.id}/ack`, { method: 'POST', headers: bearer(tokens.staffA) });
      expect(ack.status).toBe(200);
      const ackedOnA = await onA.next((m) => m.event === 'message' && changeOf(m.data).change === 'acked' && changeOf(m.data).alarm.id === raised.alarm.id, 15_000);
      expect(ackedOnA.id).not.toBe(seenOnB.id);

      // Change ids are opaque (issue 16): each stream carried each change once, and both streams
      // carried the same changes in the same (commit) order.
      const ids = (sse: SseClient) => sse.messages.filter((m) => m.event === 'message').map((m) => m.id);
      for (const sse of [onA, onB]) {
        const seen = ids(sse);
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen.indexOf(seenOnB.id)).toBeLessThan(seen.indexOf(ackedOnA.id) === -1 ? Infinity : seen.indexOf(ackedOnA.id));
      }
      const onAIds = ids(onA);
      expect(onAIds.indexOf(seenOnB.id)).toBeGreaterThanOrEqual(0);
    } finally {
      onA.close();
      onB.close();
    }
  }, 60_000);

  it('a client of one replica resumes on the other with Last-Event-ID and misses nothing', async () => {
    const onB = await stream(b.url, tokens.staffA);
    const first = event({ subject: 'device:btn-bus-2', deviceId: 'btn-bus-2' });
    await ingest(a.url, [first]);
    const last = await onB.next((m) => m.event === 'message' && changeOf(m.data).alarm.deviceId === 'btn-bus-2', 15_000);
    onB.close();
    // While the client is away, changes are made on both replicas.
    await ingest(b.url, [event({ subject: 'device:btn-bus-3', deviceId: 'btn-bus-3' })]);
    await ingest(a.url, [event({ subject: 'device:btn-bus-4', deviceId: 'btn-bus-4' })]);
    const resumed = await stream(a.url, tokens.staffA, last.id!);
    try {
      await resumed.next((m) => m.event === 'message' && changeOf(m.data).alarm.deviceId === 'btn-bus-4', 15_000);
      const devices = resumed.messages.filter((m) => m.event === 'message').map((m) => changeOf(m.data).alarm.deviceId);
      expect(devices).toEqual(['btn-bus-3', 'btn-bus-4']);
      expect(resumed.messages.some((m) => m.event === 'reset')).toBe(false);
    } finally {
      resumed.close();
    }
  }, 60_000);

  it('a provisioning change made on one replica reaches the other through the bus', async () => {
    const received = async (url: string) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('carewatch_bus_messages_total{topic="provisioning",direction="received"}'));
      return line ? Number(line.split(' ').at(-1)) : 0;
    };
    const before = await received(b.url);
    const res = await fetch(`${a.url}/api/v1/admin/regions/city-bus`, {
      method: 'PUT', headers: { ...bearer(tokens.admin), 'content-type': 'application/json' }, body: JSON.stringify({ parentId: null, name: 'Bus city' }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    // B learns of it from the bus: its region tree has the node without waiting for anything else.
    const until = Date.now() + 15_000;
    while ((await received(b.url)) === before) {
      if (Date.now() > until) throw new Error('replica B received no provisioning message');
      await new Promise((r) => setTimeout(r, 50));
    }
    const regions = await (await fetch(`${b.url}/api/v1/admin/regions`, { headers: bearer(tokens.admin) })).json() as { regions: Array<{ id: string }> };
    expect(regions.regions.map((r) => r.id)).toContain('city-bus');
  }, 60_000);
});
