// The open alarms, live: the list first, then the stream from exactly the change the list is
// current to (`Last-Event-ID: lastChangeId`), resumed after any drop from the last change seen, so
// an alarm raised while the link was down arrives on reconnect. EventSource cannot send an
// Authorization header, so the stream is read with fetch() and the project's one SSE parser.
import type { Alarm, AlarmChange, AlarmListResponse } from '../../contract/index.ts';
import { SseParser } from '../../contract/sse.ts';
import { ApiError, getJson, request } from './api.ts';

/** The server sends a comment every 15 s; more than twice that in silence means the link is dead. */
const STREAM_SILENCE_MS = 35_000;
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 15_000;

export interface FeedState {
  alarms: ReadonlyMap<string, Alarm>;
  /** The stream is connected and current. */
  live: boolean;
  /** When the stream was last lost (ms), null while live or before the first connection. */
  downSince: number | null;
  /** Changes applied since the page opened (for the bench and the tests). */
  changes: number;
}

export class AlarmFeed {
  private alarms = new Map<string, Alarm>();
  private resolved = new Set<string>();
  private lastEventId: string | null = null;
  private live = false;
  private downSince: number | null = null;
  private changes = 0;
  private generation = 0;
  private controller: AbortController | null = null;
  private retryMs = RETRY_FIRST_MS;
  private listeners = new Set<() => void>();
  private scheduled = false;
  private snapshot: FeedState = this.freeze();

  constructor(private readonly query = 'status=active&limit=1000') {}

  state(): FeedState {
    return this.snapshot;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    void this.load(++this.generation);
  }

  stop(): void {
    this.generation += 1;
    this.controller?.abort();
    this.alarms.clear();
    this.live = false;
    this.notify();
  }

  /** An alarm as an action answered it (ack, resolve…): never lets the older of two copies win. */
  apply(alarm: Alarm): void {
    const known = this.alarms.get(alarm.id);
    if (known && known.updatedAt > alarm.updatedAt) return;
    if (this.resolved.has(alarm.id)) return;
    if (alarm.status === 'resolved') {
      this.resolved.add(alarm.id);
      this.alarms.delete(alarm.id);
    } else {
      this.alarms.set(alarm.id, alarm);
    }
    this.changes += 1;
    this.notify();
  }

  private async load(generation: number): Promise<void> {
    this.controller?.abort();
    let body: AlarmListResponse;
    try {
      body = await getJson<AlarmListResponse>(`/alarms?${this.query}`);
    } catch (error) {
      if (generation !== this.generation) return;
      if (error instanceof ApiError && error.status === 401) return; // api.ts signs out
      this.down();
      setTimeout(() => generation === this.generation && void this.load(generation), this.nextRetry());
      return;
    }
    if (generation !== this.generation) return;
    this.alarms = new Map(body.alarms.map((a) => [a.id, a]));
    this.lastEventId = String(body.lastChangeId);
    this.changes += 1;
    this.notify();
    void this.follow(generation);
  }

  private async follow(generation: number): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    let silence: ReturnType<typeof setTimeout> | undefined;
    const feed = (): void => {
      clearTimeout(silence);
      silence = setTimeout(() => controller.abort(), STREAM_SILENCE_MS);
    };
    let reload = false;
    try {
      const headers: Record<string, string> = { Accept: 'text/event-stream' };
      if (this.lastEventId !== null) headers['Last-Event-ID'] = this.lastEventId;
      const response = await request('/stream', { headers, signal: controller.signal });
      if (!response.body) throw new Error('no stream body');
      this.live = true;
      this.downSince = null;
      this.retryMs = RETRY_FIRST_MS;
      this.notify();
      feed();
      const parser = new SseParser();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done || generation !== this.generation) break;
        feed();
        for (const message of parser.push(value)) {
          if (message.event === 'reset') {
            reload = true; // too far behind to replay: the list names the change to follow from
            break;
          }
          if (message.id !== null) this.lastEventId = message.id;
          this.apply((JSON.parse(message.data) as AlarmChange).alarm);
        }
        if (reload) break;
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return;
      // Dropped, refused or silent: reconnect below, from the last change seen.
    } finally {
      clearTimeout(silence);
      controller.abort();
    }
    if (generation !== this.generation) return;
    if (reload) return void this.load(generation);
    this.down();
    setTimeout(() => generation === this.generation && void this.follow(generation), this.nextRetry());
  }

  private down(): void {
    if (this.live || this.downSince === null) this.downSince = Date.now();
    this.live = false;
    this.notify();
  }

  private nextRetry(): number {
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    return wait;
  }

  /** Many changes in one frame render once. */
  private notify(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = (): void => {
      this.scheduled = false;
      this.snapshot = this.freeze();
      for (const listener of this.listeners) listener();
    };
    if (document.hidden) setTimeout(run, 0);
    else requestAnimationFrame(run);
  }

  private freeze(): FeedState {
    return { alarms: new Map(this.alarms), live: this.live, downSince: this.downSince, changes: this.changes };
  }
}
