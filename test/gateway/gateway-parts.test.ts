import { type Server, createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Gateway } from '../../gateway/gateway.ts';
import { createLogger } from '../../gateway/log.ts';
import { demoPaths, demoPushConfig, provisionDemo, readSiteFile } from '../../simulators/demo/provision.ts';
import { freePort } from '../../simulators/stack/free-port.ts';
import { DEMO_SITE } from '../helpers/stack.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** Listens on 127.0.0.1:port, or rejects (EADDRINUSE while something else holds it). */
function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}
const close = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

// Issue 21 / STYLE.md (Zigbee2MQTT's controller): the gateway's parts start from one list and
// stop() undoes exactly what start() did, newest first — a half-started gateway included.
describe('gateway parts: started and stopped from one list', () => {
  const held: Server[] = [];
  afterEach(async () => { await Promise.all(held.splice(0).map(close)); });

  it('a start that fails at its last listener releases every port and the database it took', async () => {
    const dir = tempDir('carewatch-parts-');
    try {
    const paths = demoPaths(dir.path);
    const { creds } = provisionDemo(paths, [readSiteFile(DEMO_SITE)], 'gw-test');
    const [mqtt, watch, push, http] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    held.push(await listen(http)); // the status page's port is taken: start fails after the other listeners are up
    const options = {
      gatewayId: 'gw-test', sites: [DEMO_SITE], serverUrl: 'http://127.0.0.1:9', token: creds.gateways[0]!.token,
      dataDir: join(dir.path, 'gateway'), credentialsFile: paths.gatewayCredentials,
      mqtt: { host: '127.0.0.1', port: mqtt }, watch: { host: '127.0.0.1', port: watch }, pushHttp: { host: '127.0.0.1', port: push },
      http: { host: '127.0.0.1', port: http }, push: demoPushConfig(creds), heartbeatMs: 3_600_000, telemetrySampleMs: 0,
      log: createLogger('gateway-test', 'silent'),
    };
    await expect(new Gateway(options).start()).rejects.toThrow(/EADDRINUSE/);
    // Every listener it had opened is closed again: we can take their ports.
    for (const port of [mqtt, watch, push]) held.push(await listen(port));
    await Promise.all(held.splice(0).map(close));
    // And the same data folder starts a whole gateway (database and outbox were closed, not left locked).
    const again = new Gateway({ ...options, http: { host: '127.0.0.1', port: 0 } });
    await again.start();
    expect(again.status().sites).toBeGreaterThan(0);
    await again.stop();
    for (const port of [mqtt, watch, push]) held.push(await listen(port));
    } finally {
      dir.remove();
    }
  }, 30_000);
});
