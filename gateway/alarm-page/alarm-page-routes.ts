import { build } from 'esbuild';
import type { FastifyInstance } from 'fastify';
import { type LocalAlarmSnapshot, LocalSilenceRequest, StaffSignIn } from '../../contract/index.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { staffRefusals } from './staff-guard.ts';
import { STAFF_COOKIE, isStaffToken } from './staff-token.ts';

export interface AlarmPageSource {
  snapshot(): LocalAlarmSnapshot;
  /** Called after any change of the snapshot; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  /** Silences on this gateway only; returns the keys silenced now. */
  silence(keys: readonly string[] | 'all'): string[];
}

export interface AlarmPageRoutesOptions {
  source: AlarmPageSource;
  token: string;
  metrics: Metrics;
  log: Logger;
}

/** Paths under the staff token (staff-guard.ts): the data, the stream and the silence. */
export const isAlarmPageData = (path: string): boolean => path.startsWith('/local/');

const HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
} as const;

/** Night staff keep the page open all shift; a day's cookie, then the form again. */
const COOKIE_MAX_AGE_S = 24 * 3600;

let bundle: Promise<string> | undefined;
/** The page's script (browser/app.ts, with the consoles' tones and words and the one SSE parser), bundled once per process. */
function script(): Promise<string> {
  bundle ??= build({
    entryPoints: [new URL('./browser/app.ts', import.meta.url).pathname],
    bundle: true, write: false, format: 'esm', target: 'es2022', minify: true, charset: 'utf8', legalComments: 'none', logLevel: 'silent',
  }).then((r) => r.outputFiles[0]!.text);
  bundle.catch(() => { bundle = undefined; }); // a failed build is retried by the next request
  return bundle;
}

const SHELL = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>CareWatch 本地报警</title><link rel="stylesheet" href="/alarms/page.css"><script type="module" src="/alarms/app.js"></script></head>
<body><div id="app"><noscript>需要 JavaScript · JavaScript required</noscript></div></body></html>
`;

const CSS = `body{font:16px system-ui,"Noto Sans CJK SC",sans-serif;margin:0;background:#111;color:#eee}
header{display:flex;gap:1rem;align-items:center;padding:.6rem 1rem;background:#222}header h1{font-size:1.2rem;margin:0;flex:1}
button{font:inherit;padding:.4rem .8rem;border-radius:.3rem;border:1px solid #888;background:#333;color:#eee;cursor:pointer}
main{padding:1rem}#banner{background:#b00;color:#fff;font-weight:700;padding:.8rem 1rem;margin:0;font-size:1.15rem}
#local-note{color:#fc6;margin:.4rem 0 1rem}#sounders{background:#630;padding:.6rem 1rem;margin:0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.5rem;border-bottom:1px solid #444}
tr.critical td:first-child{border-left:.5rem solid #e22}tr.unsilenced{animation:flash 1s steps(2) infinite}
@keyframes flash{50%{background:#511}}form{display:grid;gap:.6rem;max-width:22rem;padding:2rem}input{font:inherit;padding:.4rem}
[role=alert]{color:#f88}.silenced{color:#fc6}`;

/**
 * The gateway's local alarm page (issue 15): the active life-safety alarms of its sites, live over
 * SSE, with the consoles' tones, behind the local staff token, with a banner while the server is
 * unreachable. `/alarms` and its assets carry no data and are open; `/local/*` needs the token.
 */
export function registerAlarmPage(app: FastifyInstance, opts: AlarmPageRoutesOptions): void {
  const { source, log } = opts;
  const signIns = opts.metrics.counter('carewatch_gateway_staff_sign_ins_total', 'Sign-ins on the gateway\'s local alarm page, by result (ok, refused)');
  const silenced = opts.metrics.counter('carewatch_local_alarms_silenced_total', 'Alarms silenced on the gateway\'s local page (not an acknowledgement on the server)');
  const refused = staffRefusals(opts.metrics);
  const streams = opts.metrics.gauge('carewatch_local_alarm_streams', 'Local alarm pages connected to the gateway');
  let open = 0;
  opts.metrics.onCollect(() => streams({}, open));

  app.get('/alarms', async (_req, reply) => reply.headers(HEADERS).type('text/html; charset=utf-8').send(SHELL));
  app.get('/alarms/app.js', async (_req, reply) => reply.headers(HEADERS).type('text/javascript; charset=utf-8').send(await script()));
  app.get('/alarms/page.css', async (_req, reply) => reply.headers(HEADERS).type('text/css; charset=utf-8').send(CSS));
  app.post('/alarms/session', async (req, reply) => {
    const body = StaffSignIn.safeParse(req.body);
    if (!body.success || !isStaffToken(body.data.token, opts.token)) {
      signIns({ result: 'refused' });
      log.warn({ remote: req.ip, why: body.success ? 'wrong' : 'missing' }, 'local alarm page: sign-in refused (staff token wrong or missing)');
      refused({ why: body.success ? 'wrong' : 'missing' });
      return reply.code(401).headers(HEADERS).send({ error: 'wrong staff token' });
    }
    signIns({ result: 'ok' });
    log.info({ remote: req.ip }, 'local alarm page: staff signed in');
    return reply.headers(HEADERS)
      .header('Set-Cookie', `${STAFF_COOKIE}=${encodeURIComponent(body.data.token)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${COOKIE_MAX_AGE_S}`)
      .code(204).send();
  });
  app.delete('/alarms/session', async (_req, reply) =>
    reply.headers(HEADERS).header('Set-Cookie', `${STAFF_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`).code(204).send());

  app.get('/local/alarms', async (_req, reply) => reply.headers(HEADERS).send(source.snapshot()));
  app.post('/local/alarms/silence', async (req, reply) => {
    const body = LocalSilenceRequest.safeParse(req.body);
    if (!body.success) return reply.code(400).headers(HEADERS).send({ error: 'body must be {"key": "…"} or {"all": true}' });
    const keys = source.silence('all' in body.data ? 'all' : [body.data.key]);
    if (keys.length > 0) {
      silenced({}, keys.length);
      log.warn({ keys, remote: req.ip }, 'alarms silenced on the local page (the server has not acknowledged them)');
    }
    return reply.headers(HEADERS).send({ silenced: keys });
  });
  app.get('/local/stream', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store, no-transform', Connection: 'keep-alive' });
    req.raw.socket.setNoDelay(true);
    open += 1;
    // Changes come in bursts (a fire raises several detectors): one snapshot per burst.
    let pending = false;
    const send = () => {
      if (pending) return;
      pending = true;
      setImmediate(() => {
        pending = false;
        if (!res.destroyed) res.write(`event: snapshot\ndata: ${JSON.stringify(source.snapshot())}\n\n`);
      });
    };
    res.write('retry: 2000\n\n');
    send();
    const off = source.subscribe(send);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    res.on('close', () => {
      open -= 1;
      off();
      clearInterval(ping);
    });
  });
}
