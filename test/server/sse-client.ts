import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { SseParser } from '../../contract/sse.ts';
import type { SseMessage } from '../../contract/sse.ts';

export type { SseMessage };

/** A plain `http.get` reader of an SSE stream, for tests: collects messages, waits for more. */
export interface SseStream {
  response: IncomingMessage;
  messages: SseMessage[];
  /** Resolves once at least `count` messages have arrived in total. */
  waitFor(count: number, timeoutMs?: number): Promise<SseMessage[]>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export function openSse(url: string, token: string, lastEventId?: number | string): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
    const request = get(url, { headers }, (response) => {
      const messages: SseMessage[] = [];
      const waiters: Array<() => void> = [];
      const parser = new SseParser();
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        messages.push(...parser.push(chunk));
        for (const wake of waiters.splice(0)) wake();
      });
      const ended = new Promise<void>((done) => response.on('close', done));
      resolve({
        response,
        messages,
        ended,
        waitFor(count, timeoutMs = 5_000) {
          return new Promise((done, fail) => {
            const timer = setTimeout(() => fail(new Error(`waited ${timeoutMs} ms for ${count} messages, got ${messages.length}: ${JSON.stringify(messages)}`)), timeoutMs);
            const check = () => {
              if (messages.length >= count) {
                clearTimeout(timer);
                done(messages.slice());
              } else {
                waiters.push(check);
              }
            };
            check();
          });
        },
        close: () => request.destroy(),
      });
    });
    request.on('error', reject);
  });
}
