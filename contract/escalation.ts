import { z } from 'zod';
import { Severity } from './event.ts';
import { Id } from './ids.ts';

/**
 * The server's escalation configuration (issue 18): which channels exist, and per site — else its
 * nearest region node, else the default — which steps an unacknowledged alarm goes through.
 * Read from `CAREWATCH_ESCALATION_FILE` (default `{dataDir}/escalation.json`; built-in default
 * below when absent). docs/escalation.md explains every field.
 */

const ChannelName = Id.describe('channel name');

/** Retry timing of a webhook: the project's one backoff (contract/backoff.ts), from min to max. */
export const WebhookRetry = z.object({
  minMs: z.number().int().min(10).default(2_000),
  maxMs: z.number().int().min(10).default(300_000),
  /** Attempts before giving up (logged, counted, audited). 20 at the defaults covers more than an hour. */
  maxAttempts: z.number().int().min(1).max(1000).default(20),
});

export const WebhookChannel = z.object({
  kind: z.literal('webhook'),
  url: z.url({ protocol: /^https?$/ }),
  /** The HMAC key, inline (keep the file 0600) … */
  secret: z.string().min(16).optional(),
  /** … or the name of the environment variable holding it. */
  secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).optional(),
  timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
  retry: WebhookRetry.default(WebhookRetry.parse({})),
}).refine((c) => (c.secret === undefined) !== (c.secretEnv === undefined), { message: 'give exactly one of secret and secretEnv', path: ['secret'] });
export type WebhookChannel = z.infer<typeof WebhookChannel>;

/** The live stream: the escalation shows as an `escalated` change to everyone whose scope holds the site. */
export const StreamChannel = z.object({ kind: z.literal('stream') });

/**
 * A home's emergency contacts, tried in turn through a webhook (an SMS or voice provider) until one
 * confirms (`POST /api/v1/alarms/{id}/confirm` with the token the message carried).
 */
export const ContactsChannel = z.object({
  kind: z.literal('contacts'),
  /** The webhook channel that calls or texts them. */
  via: ChannelName,
  /** How long each contact has to confirm before the next is tried. */
  confirmWithinSec: z.number().int().min(1).max(3600).default(120),
});

export const Channel = z.discriminatedUnion('kind', [StreamChannel, WebhookChannel, ContactsChannel]);
export type Channel = z.infer<typeof Channel>;

export const EscalationStep = z.object({
  /** Seconds after the alarm was raised (server clock); 0 = at once. Steps are in increasing order. */
  afterSec: z.number().min(0).max(7 * 86400),
  /** What people call this step: "call centre", "duty manager", "fire department". */
  label: z.string().min(1).max(100),
  notify: z.array(ChannelName).default([]),
});
export type EscalationStep = z.infer<typeof EscalationStep>;

export const EscalationRule = z.object({
  /** Kinds this rule takes: exact (`fire.confirmed`) or a prefix ending in a dot (`fire.`); all when absent. */
  kinds: z.array(z.string().min(1).max(64)).optional(),
  severities: z.array(Severity).optional(),
  steps: z.array(EscalationStep).min(1),
}).refine((r) => r.steps.every((s, i) => i === 0 || s.afterSec >= r.steps[i - 1]!.afterSec), { message: 'steps must be in increasing afterSec order', path: ['steps'] });
export type EscalationRule = z.infer<typeof EscalationRule>;

export const EscalationPolicy = z.object({
  /** The first rule that matches an alarm gives its steps; an alarm no rule matches is not escalated. */
  rules: z.array(EscalationRule).default([]),
  /** Acknowledged but not cleared this long: unacknowledged again (nurse-call re-signal; default 5 min). */
  resignalAfterSec: z.number().min(1).max(86400).default(300),
});
export type EscalationPolicy = z.infer<typeof EscalationPolicy>;

export const EscalationConfig = z.object({
  channels: z.record(ChannelName, Channel).default({}),
  default: EscalationPolicy,
  /** By region node id: the policy of every site beneath it that has none of its own (nearest node wins). */
  regions: z.record(Id, EscalationPolicy).default({}),
  sites: z.record(Id, EscalationPolicy).default({}),
}).superRefine((config, ctx) => {
  const policies: Array<[string[], EscalationPolicy]> = [
    [['default'], config.default],
    ...Object.entries(config.regions).map(([id, p]): [string[], EscalationPolicy] => [['regions', id], p]),
    ...Object.entries(config.sites).map(([id, p]): [string[], EscalationPolicy] => [['sites', id], p]),
  ];
  for (const [path, policy] of policies) {
    policy.rules.forEach((rule, r) => rule.steps.forEach((step, s) => step.notify.forEach((name, n) => {
      if (!config.channels[name]) ctx.addIssue({ code: 'custom', path: [...path, 'rules', r, 'steps', s, 'notify', n], message: `no channel "${name}"` });
    })));
  }
  for (const [name, channel] of Object.entries(config.channels)) {
    if (channel.kind === 'contacts' && config.channels[channel.via]?.kind !== 'webhook') {
      ctx.addIssue({ code: 'custom', path: ['channels', name, 'via'], message: `"${channel.via}" is not a webhook channel` });
    }
  }
});
export type EscalationConfig = z.infer<typeof EscalationConfig>;
export type EscalationConfigInput = z.input<typeof EscalationConfig>;

/**
 * Without a file: critical alarms go to the call centre's queue (the live stream) when not
 * acknowledged in 60 s and to the duty manager at 3 min (issue 18's example); `fire.confirmed`
 * goes to the fire department at once (GB 50440: the centre has 3 s to forward a confirmed fire).
 */
export const DEFAULT_ESCALATION: EscalationConfigInput = {
  channels: { stream: { kind: 'stream' } },
  default: {
    rules: [
      { kinds: ['fire.confirmed'], steps: [{ afterSec: 0, label: 'fire department', notify: ['stream'] }] },
      { severities: ['critical'], steps: [
        { afterSec: 60, label: 'call centre', notify: ['stream'] },
        { afterSec: 180, label: 'duty manager', notify: ['stream'] },
      ] },
    ],
    resignalAfterSec: 300,
  },
};

/**
 * What a webhook receives (JSON, `Content-Type: application/json`), signed:
 * `X-CareWatch-Timestamp: <epoch ms>` and `X-CareWatch-Signature: sha256=<hex>`, the HMAC-SHA256
 * with the channel's secret of `<timestamp>.<body>`. Receivers check the signature and refuse
 * timestamps far from their clock (replays); `deliveryId` stays the same across retries.
 */
export const WebhookPayload = z.object({
  deliveryId: z.string(),
  type: z.enum(['alarm.escalated', 'alarm.contact']),
  at: z.string(),
  /** The escalation step, for `alarm.escalated`. */
  step: z.object({ level: z.number().int().min(1), label: z.string() }).optional(),
  /** For `alarm.contact`: whom to call, which of the contacts (1-based), and how to confirm. */
  contact: z.object({
    name: z.string(), phone: z.string(), relation: z.string().optional(), position: z.number().int().min(1),
    confirmUrl: z.string(), token: z.string(),
  }).optional(),
  alarm: z.object({
    id: z.string(), kind: z.string(), severity: Severity, siteId: z.string(), status: z.string(),
    roomId: z.string().nullable(), residentId: z.string().nullable(), raisedAt: z.string(),
  }),
});
export type WebhookPayload = z.infer<typeof WebhookPayload>;

export const SIGNATURE_HEADER = 'x-carewatch-signature';
export const TIMESTAMP_HEADER = 'x-carewatch-timestamp';
export const DELIVERY_HEADER = 'x-carewatch-delivery';
