import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Heartbeat } from '../../gateway/heartbeat.ts';
import { SERVER_DB_FILE } from '../../server/services/store/sqlite-store.ts';
import { type TestServer, testServer } from '../server/helpers.ts';

// The gateway's heartbeat against a real server on a loopback port: the site list travels in
// full once, then its digest stands for it until it changes or the server asks for it again.
describe('gateway heartbeat', () => {
  let server: TestServer | undefined;
  let restore = () => {};
  afterEach(async () => {
    restore();
    await server?.close();
    server = undefined;
  });

  async function listening(): Promise<{ url: string; bodies: Array<{ siteIds?: string[]; sitesDigest?: string }> }> {
    server = await testServer();
    const bodies: Array<{ siteIds?: string[]; sitesDigest?: string }> = [];
    // What went over the wire, read on the way out (the server is built and sealed already).
    const realFetch = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      if (String(input).endsWith('/ingest/heartbeat')) bodies.push(JSON.parse(String(init?.body)) as (typeof bodies)[number]);
      return realFetch(input, init);
    };
    restore = () => { globalThis.fetch = realFetch; };
    const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    return { url, bodies };
  }

  const heartbeat = (url: string, sites: { ids: string[] }) => new Heartbeat({
    serverUrl: url, token: server!.tokens['gw-a'], everyMs: 3_600_000, log: pino({ level: 'silent' }),
    gatewayId: 'gw-a', siteIds: () => sites.ids, outboxDepth: () => 0, startedAt: 1,
  });

  it('sends the site list once, then its digest; the list again when it changed', async () => {
    const { url, bodies } = await listening();
    const sites = { ids: ['site-a'] };
    const hb = heartbeat(url, sites);
    await hb.beat();
    await hb.beat();
    sites.ids = ['site-a', 'home-1'];
    await hb.beat();
    await hb.beat();
    expect(bodies.map((b) => (b.siteIds ? `list:${b.siteIds.join(',')}` : 'digest'))).toEqual(['list:site-a', 'digest', 'list:site-a,home-1', 'digest']);
    expect((await server!.app.store.read((tx) => tx.gateways.get('gw-a')))?.siteIds).toEqual(['site-a', 'home-1']);
  });

  it('sends the list at once when the server no longer holds it', async () => {
    const { url, bodies } = await listening();
    const hb = heartbeat(url, { ids: ['site-a'] });
    await hb.beat();
    // The server's row is gone (a restored database): the digest names nothing it holds.
    const db = new Database(join(server!.dataDir, SERVER_DB_FILE));
    db.prepare('DELETE FROM gateways').run();
    db.close();
    await hb.beat();
    await expect.poll(() => bodies.length).toBe(3);
    expect(bodies.map((b) => (b.siteIds ? 'list' : 'digest'))).toEqual(['list', 'digest', 'list']);
    await expect.poll(async () => (await server!.app.store.read((tx) => tx.gateways.get('gw-a')))?.siteIds).toEqual(['site-a']);
  });
});
