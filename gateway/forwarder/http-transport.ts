import { API_PREFIX, type Event, IngestResponse } from '../../contract/index.ts';
import { type DeliveryTransport, SendError } from './delivery-transport.ts';

/** `POST /api/v1/ingest` with the gateway's bearer token: the server answers for each event. */
export class HttpTransport implements DeliveryTransport {
  readonly answersForServer = true;
  readonly target;

  constructor(private readonly opts: { serverUrl: string; gatewayId: string; token: string; requestTimeoutMs: number }) {
    this.target = { via: 'http' as const, url: opts.serverUrl };
  }

  start(): void {}

  async stop(): Promise<void> {}

  async send(_lane: string, batch: readonly Event[], signal: AbortSignal): Promise<IngestResponse> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.opts.serverUrl}${API_PREFIX}/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.token}` },
        body: JSON.stringify({ gatewayId: this.opts.gatewayId, events: batch }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.opts.requestTimeoutMs)]),
      });
      text = await res.text();
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      const timedOut = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError';
      throw new SendError(`server unreachable: ${timedOut ? `no answer within ${this.opts.requestTimeoutMs} ms` : (cause ?? (err as Error).message)}`);
    }
    if (!res.ok) throw new SendError(`ingest answered ${res.status}: ${text.slice(0, 300)}`, res.status);
    const answer = IngestResponse.parse(JSON.parse(text));
    if (answer.stored.length + answer.refused.length < batch.length) {
      throw new SendError(`ingest answered for ${answer.stored.length + answer.refused.length} of ${batch.length} events`, res.status);
    }
    return answer;
  }
}
