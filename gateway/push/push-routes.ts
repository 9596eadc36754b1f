import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { type Rejected, reject } from '../../devices/decoded.ts';
import { MAX_PUSH_BYTES, type PushRequest } from '../../devices/codecs/platform/index.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Rejections } from '../rejections.ts';
import type { SiteRegistry } from '../site/site-registry.ts';
import type { PushDedupe } from './push-dedupe.ts';
import { type PushIngestDeps, type PushPlatform, ingestPush } from './push-ingest.ts';
import { redactedUrl } from './redacted-url.ts';
import { PushBudget, type PushBudgetOptions } from './push-budget.ts';

export interface PushRoutesOptions {
  registry: SiteRegistry;
  rejections: Rejections;
  metrics: Metrics;
  log: Logger;
  /** By the `{platform}` of the URL, which is also `Device.platform` in site files. */
  platforms: Readonly<Record<string, PushPlatform>>;
  dedupe: PushDedupe;
  clock?: () => number;
  /** Largest body read (default 64 KiB: a platform push is a few hundred bytes; OneNET batches a few KiB). */
  bodyLimit?: number;
  freshness?: PushIngestDeps['freshness'];
  /** Push intake's share of the loop that carries MQTT alarms (push-budget.ts). */
  budget?: PushBudgetOptions;
}

const PLATFORM_PARAM = {
  type: 'object',
  required: ['platform'],
  properties: { platform: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' } },
} as const;

const RESULT = {
  type: 'object',
  properties: {
    accepted: { type: 'integer' }, duplicates: { type: 'integer' }, unknownDevices: { type: 'integer' }, ignored: { type: 'integer' },
    error: { type: 'string' }, reason: { type: 'string' },
  },
} as const;

type PlatformRequest = FastifyRequest<{ Params: { platform: string }; Querystring: Record<string, string | string[] | undefined> }>;

/**
 * `POST /push/{platform}` for carriers' IoT platforms (CONTRACT.md, gateway HTTP), and the
 * `GET /push/{platform}` URL check some of them make first (OneNET: echo `msg`). Registered as
 * an encapsulated plugin: its raw-body parser and error handler apply under /push only — the
 * signature is over the body as sent, so nothing may re-parse it first.
 */
export async function registerPushRoutes(app: FastifyInstance, opts: PushRoutesOptions): Promise<void> {
  const { rejections, log } = opts;
  const clock = opts.clock ?? Date.now;
  const outcomes = opts.metrics.counter('carewatch_push_messages_total', 'Platform push messages, by platform and outcome');
  const bodyLimit = Math.min(opts.bodyLimit ?? DEFAULT_PUSH_BODY_LIMIT, MAX_PUSH_BYTES);
  for (const [name, p] of Object.entries(opts.platforms)) {
    if (p.secret === undefined) log.warn({ platform: name }, `platform "${name}" has no token configured: its pushes are refused (fail closed)`);
  }
  const budget = new PushBudget(opts.budget);
  const overBudget = opts.metrics.counter('carewatch_push_refused_busy_total', 'Pushes refused unread because push intake was over its share of the loop, by why (in_flight, loop_share)');
  const holding = new WeakSet<object>();
  const release = (req: object) => {
    if (holding.delete(req)) budget.leave();
  };
  const deps = {
    registry: opts.registry, rejections, dedupe: opts.dedupe, log, clock,
    counted: (platform: string, outcome: string) => outcomes({ platform, outcome }),
    ...(opts.freshness ? { freshness: opts.freshness } : {}),
  };

  const platformOf = (name: string): PushPlatform | undefined => (Object.hasOwn(opts.platforms, name) ? opts.platforms[name] : undefined);
  const unknownPlatform = (name: string) => {
    const r = reject('unsupported', `no platform "${name}" is configured on this gateway`);
    rejections.record('platform', r, { platform: name });
    return { error: r.detail, reason: r.reason };
  };

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
    // Before the body is read (issue 16): no token configured → refused; a token platform's
    // token checked from the URL or header alone. The answer closes the connection, so the
    // unread body is never buffered.
    scope.addHook('onRequest', async (req: PlatformRequest, reply) => {
      if (req.method !== 'POST') return;
      const name = (req.params as { platform?: string } | undefined)?.platform ?? '';
      const platform = platformOf(name);
      if (!platform) return;
      // First and cheapest (issue 16): over the intake's share of the loop, refused unread.
      const busy = budget.enter();
      if (busy) {
        overBudget({ why: busy });
        const r = reject('busy', busy === 'in_flight' ? 'too many pushes in progress; retry' : 'push intake over its share of the event loop; retry');
        rejections.record('platform', r, { platform: name });
        reply.header('connection', 'close').header('retry-after', String(budget.retryAfterSec()));
        return reply.code(503).send({ error: r.detail, reason: r.reason });
      }
      holding.add(req);
      const refused = preBodyRefusal(name, platform, req);
      if (!refused) return;
      rejections.record('platform', refused, { platform: name });
      reply.header('connection', 'close');
      return reply.code(401).send({ error: refused.detail, reason: refused.reason });
    });
    scope.addHook('onResponse', async (req) => release(req));
    scope.addHook('onRequestAbort', async (req) => release(req));
    scope.setErrorHandler((err: FastifyError, req, reply) => {
      const status = err.statusCode ?? 500;
      // Never the query string: a CTWing push URL carries its token (issue 16).
      if (status >= 500) log.error({ err, url: redactedUrl(req.url) }, 'push route failed');
      else rejections.record('platform', reject(status === 413 ? 'oversize' : 'schema', err.message), { url: redactedUrl(req.url) });
      // An oversize body is not read to its end to keep the connection (bench hostile: 1 MiB pushes were drained byte by byte).
      if (status === 413) reply.header('connection', 'close');
      void reply.code(status).send({ error: status >= 500 ? 'internal error' : err.message, reason: status === 413 ? 'oversize' : 'schema' });
    });

    scope.post('/:platform', { bodyLimit, schema: { params: PLATFORM_PARAM, response: { '2xx': RESULT, '4xx': RESULT, '5xx': RESULT } } }, async (req: PlatformRequest, reply) => {
      const name = req.params.platform;
      const platform = platformOf(name);
      if (!platform) return reply.code(404).send(unknownPlatform(name));
      const answer = budget.timed(() => ingestPush(name, platform, toPushRequest(req), deps));
      return reply.code(answer.status).send(answer.body);
    });

    scope.get('/:platform', { schema: { params: PLATFORM_PARAM } }, async (req: PlatformRequest, reply) => {
      const name = req.params.platform;
      const platform = platformOf(name);
      if (!platform) return reply.code(404).send(unknownPlatform(name));
      if (platform.secret === undefined) {
        const r = reject('auth', `platform "${name}" has no token configured on this gateway: its URL check is refused`);
        rejections.record('platform', r, { platform: name, check: 'url_verification' });
        return reply.code(401).send({ error: r.detail, reason: r.reason });
      }
      if (!platform.mapping.answerVerification) return reply.code(405).send({ error: `platform "${name}" has no URL verification; it pushes with POST`, reason: 'unsupported' });
      const answer = platform.mapping.answerVerification(queryOf(req), platform.secret);
      if (!answer.ok) {
        rejections.record('platform', answer, { platform: name, check: 'url_verification' });
        return reply.code(answer.reason === 'bad_signature' || answer.reason === 'auth' ? 403 : 400).send({ error: answer.detail, reason: answer.reason });
      }
      // text/plain + nosniff: the echoed `msg` is the platform's nonce, never HTML.
      return reply.code(200).header('x-content-type-options', 'nosniff').type('text/plain; charset=utf-8').send(answer.value);
    });
  }, { prefix: '/push' });
}

/** 64 KiB: bounds what one push costs the loop that also carries MQTT alarms (bench: push flood). */
export const DEFAULT_PUSH_BODY_LIMIT = 64 * 1024;

/** The refusal a push gets before its body is read: no token configured, or a wrong shared token. */
function preBodyRefusal(name: string, platform: PushPlatform, req: PlatformRequest): Rejected | undefined {
  if (platform.secret === undefined) return reject('auth', `platform "${name}" has no token configured on this gateway: its pushes are refused (docs/home-links.md)`);
  if (platform.auth !== 'token') return undefined;
  const verified = platform.mapping.verify({ ...toPushRequest(req), rawBody: Buffer.alloc(0) }, platform.secret);
  return verified.ok ? undefined : verified;
}

function toPushRequest(req: PlatformRequest): PushRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return { headers, rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), query: queryOf(req) };
}

/** Repeated query keys: the first counts (a platform never repeats them; an attacker might). */
function queryOf(req: PlatformRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.query ?? {})) out[k] = Array.isArray(v) ? v[0] : v;
  return out;
}
