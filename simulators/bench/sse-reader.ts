import http from 'node:http';
import { AlarmChange } from '../../contract/index.ts';
import { SseParser } from '../../contract/sse.ts';

export interface SseReader {
  waitFor(match: (c: AlarmChange) => boolean, timeoutMs?: number): Promise<AlarmChange>;
  close(): void;
}

/** Reads the server's alarm stream as a console does, resolving waiters as changes arrive. */
export async function openSse(url: string, token: string): Promise<SseReader> {
  let waiters: Array<{ match: (c: AlarmChange) => boolean; resolve: (c: AlarmChange) => void }> = [];
  const req = await new Promise<http.ClientRequest>((resolve, reject) => {
    const r = http.get(url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) { reject(new Error(`stream answered ${res.statusCode}`)); return; }
      res.socket.setNoDelay(true);
      res.setEncoding('utf8');
      const parser = new SseParser();
      res.on('data', (chunk: string) => {
        for (const message of parser.push(chunk)) {
          const change = AlarmChange.parse(JSON.parse(message.data));
          waiters = waiters.filter((w) => (w.match(change) ? (w.resolve(change), false) : true));
        }
      });
      resolve(r);
    });
    r.on('error', reject);
  });
  return {
    waitFor: (match, timeoutMs = 10_000) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('alarm change not seen in time')), timeoutMs);
      waiters.push({ match, resolve: (c) => { clearTimeout(timer); resolve(c); } });
    }),
    close: () => req.destroy(),
  };
}
