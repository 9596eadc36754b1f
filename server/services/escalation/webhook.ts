import { createHmac } from 'node:crypto';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../../contract/index.ts';

/**
 * The signature a webhook carries (contract/escalation.ts `WebhookPayload`): HMAC-SHA256 with
 * the channel's secret over `<timestamp>.<body>` — the body as sent, byte for byte, with the
 * timestamp bound in so a captured message cannot be replayed later under a new one.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface AttemptResult {
  ok: boolean;
  /** HTTP status, or null when no answer came (refused, timed out). */
  status: number | null;
  /** Why it failed, for the audit record and the log. */
  error: string | null;
  ms: number;
}

/** One attempt: POST the body, signed; 2xx is delivered, anything else (or no answer in time) is a failure to retry. */
export async function postWebhook(opts: {
  url: string; secret: string; body: string; deliveryId: string; timeoutMs: number; now: () => number;
}): Promise<AttemptResult> {
  const timestamp = opts.now();
  const started = performance.now();
  try {
    const response = await fetch(opts.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhook(opts.secret, timestamp, opts.body),
        [DELIVERY_HEADER]: opts.deliveryId,
      },
      body: opts.body,
      signal: AbortSignal.timeout(opts.timeoutMs),
      redirect: 'error',
    });
    // Drain so the connection can be reused; the receiver's answer body means nothing to us.
    await response.arrayBuffer().catch(() => undefined);
    const ms = performance.now() - started;
    return response.ok
      ? { ok: true, status: response.status, error: null, ms }
      : { ok: false, status: response.status, error: `HTTP ${response.status}`, ms };
  } catch (error) {
    const err = error as Error & { cause?: { code?: string } };
    const reason = err.name === 'TimeoutError' ? `no answer within ${opts.timeoutMs} ms` : (err.cause?.code ?? err.message);
    return { ok: false, status: null, error: reason, ms: performance.now() - started };
  }
}
