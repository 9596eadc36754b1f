// The baseline broker of the ingest benchmark as its own process, like the gateway it is compared
// with: bare aedes (no auth, no hooks) with an in-broker no-op subscriber that only counts, and
// an HTTP endpoint that reports the count. Prints "ready MQTT_PORT HTTP_PORT" on stdout.
import http from 'node:http';
import net from 'node:net';
import { Aedes } from 'aedes';

const broker = await Aedes.createBroker();
let received = 0;
broker.subscribe('carewatch/#', (_packet, cb) => { received += 1; cb(); }, () => undefined);
const mqttServer = net.createServer((s) => { s.setNoDelay(true); broker.handle(s); });
await new Promise<void>((r) => mqttServer.listen(0, '127.0.0.1', () => r()));
const httpServer = http.createServer((_req, res) => res.end(String(received)));
await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', () => r()));
const port = (s: net.Server | http.Server) => (s.address() as net.AddressInfo).port;
process.stdout.write(`ready ${port(mqttServer)} ${port(httpServer)}\n`);
process.on('SIGTERM', () => process.exit(0));
