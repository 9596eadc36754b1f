/**
 * A push flood in a process of its own (bench 'hostile', issue 16): SENDERS loops post BODY to
 * URL until SIGTERM, then print `{"pushesSent":N}`. Apart from the bench process, so the flood's
 * own work (bodies through undici) does not delay the PUBACKs the bench times: what is measured
 * is the gateway.
 *
 * BODY `deep` (the probe): ~1 MiB of nested brackets. `wide`: the worst a signed
 * platform's push can cost within the body limit — ~60 KiB of valid OneNET JSON, a batch of
 * small messages with a made-up signature, which the gateway must read and parse whole before
 * the signature (over `msg`) can be checked.
 *
 *   node --import ./ts-loader.mjs simulators/bench/push-flood.ts URL SENDERS [deep|wide]
 */
const [url, count, kind = 'deep'] = process.argv.slice(2);
if (!url || !Number.isInteger(Number(count)) || (kind !== 'deep' && kind !== 'wide')) {
  process.stderr.write('usage: push-flood.ts URL SENDERS [deep|wide]\n');
  process.exit(2);
}
const deep = () => Buffer.from(`${'['.repeat(512 * 1024)}${']'.repeat(512 * 1024)}`);
const wide = () => {
  const msg = Array.from({ length: 820 }, (_, i) => ({ type: 1, dev_id: 500000 + i, ds_id: 'smoke', at: 1_765_000_000_000 + i, value: i % 2 }));
  return Buffer.from(JSON.stringify({ msg, msg_signature: 'AAAAAAAAAAAAAAAAAAAAAA==', nonce: 'abcdefgh' }));
};
const body = kind === 'deep' ? deep() : wide();
let running = true;
let pushesSent = 0;
const loops = Array.from({ length: Number(count) }, async () => {
  while (running) {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
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
