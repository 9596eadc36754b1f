/**
 * A push flood in a process of its own (bench 'hostile', issue 16): SENDERS loops post a ~1 MiB
 * deeply nested body to URL until SIGTERM, then print `{"pushesSent":N}`. Apart from the bench
 * process, so the flood's own work (1 MiB bodies through undici) does not delay the PUBACKs the
 * bench times: what is measured is the gateway.
 *
 *   node --import ./ts-loader.mjs simulators/bench/push-flood.ts URL SENDERS
 */
const [url, count] = process.argv.slice(2);
if (!url || !Number.isInteger(Number(count))) {
  process.stderr.write('usage: push-flood.ts URL SENDERS\n');
  process.exit(2);
}
const deep = Buffer.from(`${'['.repeat(512 * 1024)}${']'.repeat(512 * 1024)}`);
let running = true;
let pushesSent = 0;
const loops = Array.from({ length: Number(count) }, async () => {
  while (running) {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep });
      await res.arrayBuffer();
    } catch { /* refused mid-body: the gateway closed the connection */ }
    pushesSent += 1;
  }
});
process.once('SIGTERM', () => {
  running = false;
  void Promise.all(loops).then(() => {
    process.stdout.write(`${JSON.stringify({ pushesSent })}\n`);
    process.exit(0);
  });
});
process.stdout.write('flooding\n');
