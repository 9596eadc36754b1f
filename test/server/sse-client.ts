import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';

export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

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
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message: SseMessage = { id: null, event: 'message', data: '' };
          let hasData = false;
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            if (colon === 0) continue;
            const field = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') message.id = value;
            if (field === 'event') message.event = value;
            if (field === 'data') {
              message.data = hasData ? `${message.data}\n${value}` : value;
              hasData = true;
            }
          }
          if (hasData) messages.push(message);
        }
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
