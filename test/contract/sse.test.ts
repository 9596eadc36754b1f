import { describe, expect, it } from 'vitest';
import { SseParser } from '../../contract/sse.ts';

// Expected values are the worked examples of WHATWG HTML § 9.2.6 ("Interpreting an event stream").
describe('the one SSE parser', () => {
  it('joins data lines with a newline (the stock-ticker example)', () => {
    expect(new SseParser().push('data: YHOO\ndata: +2\ndata: 10\n\n')).toEqual([{ id: null, event: 'message', data: 'YHOO\n+2\n10' }]);
  });

  it('skips comments, keeps the last event id, and an empty id line resets it', () => {
    const parser = new SseParser();
    const got = parser.push(': test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n');
    expect(got.map((m) => [m.data, m.id])).toEqual([['first event', '1'], ['second event', ''], [' third event', null]]);
    expect(parser.lastEventId).toBe('');
  });

  it('dispatches an empty data field, and holds an unfinished block back', () => {
    const parser = new SseParser();
    expect(parser.push('data\n\ndata\ndata\n\ndata:').map((m) => m.data)).toEqual(['', '\n']);
    expect(parser.push('x\n\n').map((m) => m.data)).toEqual(['x']);
  });

  it('reads CRLF and CR line ends, even split across chunks, and the event and retry fields', () => {
    const parser = new SseParser();
    expect(parser.push('retry: 2000\r\nevent: reset\r\nid: 7\r\ndata: {}\r')).toEqual([]);
    expect(parser.push('\n\r\n')).toEqual([{ id: '7', event: 'reset', data: '{}' }]);
    expect(parser.retryMs).toBe(2000);
  });
});
