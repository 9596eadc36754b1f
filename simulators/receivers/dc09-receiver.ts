import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import {
  decodeContactId, decodeDc09, decodeSiaDcs, Dc09FrameSplitter, encodeDc09Ack, encodeDc09Duh, encodeDc09Nak, parseDc09Key,
  type ContactIdEvent, type Dc09Key, type Dc09Message, type SiaDcsEvent,
} from '../../devices/codecs/sia-dc09/index.ts';

/**
 * A DC-09 alarm receiver for tests and integrators (ANSI/SIA DC-09-2013 5.5.2): decodes every
 * block (CRC, length, AES with the account's key), answers ACK, NAK (unreadable, or timestamp
 * outside +20 s / −40 s of its clock) or DUH (read, but no Contact ID / SIA DC-03 event it
 * knows), and keeps each event once: a repeat of an account's sequence number with the same data
 * is acknowledged again and not recorded again.
 */
export interface Dc09ReceiverOptions {
  host?: string;
  tcpPort?: number;
  /** Also listen for UDP on this port (0: any free one); absent: TCP only. */
  udpPort?: number;
  /** AES keys by account, hex. */
  keys?: Record<string, string>;
  /** Answer NAK to the first N events (to show the sender retries). */
  nakFirst?: number;
  /** SIA codes / Contact ID codes this receiver does not know: answered DUH. */
  unknownCodes?: Array<string | number>;
  /** Answer nothing at all (a receiver that hangs). */
  silent?: boolean;
  /** Record the first N events but lose their ACK (a reply lost on the way back), so the sender repeats them. */
  loseFirstAcks?: number;
  clock?: () => number;
}

export interface ReceivedDc09 {
  account: string | null;
  seq: number;
  token: string;
  data: string;
  encrypted: boolean;
  receiver: string | null;
  line: string | null;
  timestamp: number | null;
  receivedAt: number;
  contactId?: ContactIdEvent;
  sia?: SiaDcsEvent;
  via: 'tcp' | 'udp';
}

export type Dc09Answer = 'ACK' | 'NAK' | 'DUH';

/** DC-09 5.5.1.9: a receiver takes times from 20 s ahead to 40 s behind its own. */
const AHEAD_MS = 20_000;
const BEHIND_MS = 40_000;

export class Dc09Receiver {
  readonly received: ReceivedDc09[] = [];
  readonly counts = { ack: 0, nak: 0, duh: 0, duplicates: 0, nulls: 0 };
  private tcp: Server | undefined;
  private udp: UdpSocket | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly keys = new Map<string, Dc09Key>();
  private readonly seen = new Set<string>();
  private nakLeft: number;
  private ackLossLeft: number;
  private readonly clock: () => number;
  private readonly listeners: Array<(m: ReceivedDc09) => void> = [];
  addresses: { tcp?: number; udp?: number } = {};

  constructor(private readonly opts: Dc09ReceiverOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.nakLeft = opts.nakFirst ?? 0;
    this.ackLossLeft = opts.loseFirstAcks ?? 0;
    for (const [account, hex] of Object.entries(opts.keys ?? {})) {
      const key = parseDc09Key(hex);
      if (typeof key === 'string') throw new Error(`key of account ${account}: ${key}`);
      this.keys.set(account.toUpperCase(), key);
    }
  }

  onEvent(listener: (m: ReceivedDc09) => void): void {
    this.listeners.push(listener);
  }

  async start(): Promise<{ tcp?: number; udp?: number }> {
    const host = this.opts.host ?? '127.0.0.1';
    this.tcp = createServer((socket) => {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      const splitter = new Dc09FrameSplitter();
      socket.on('data', (chunk) => {
        for (const part of splitter.push(chunk)) {
          if (!('block' in part)) continue;
          const answer = this.handle(part.block, 'tcp');
          if (answer) socket.write(answer, 'latin1');
        }
      });
      socket.on('error', () => undefined);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => { this.tcp!.once('error', reject); this.tcp!.listen(this.opts.tcpPort ?? 0, host, () => resolve()); });
    this.addresses.tcp = (this.tcp.address() as { port: number }).port;
    if (this.opts.udpPort !== undefined) {
      const udp = createSocket('udp4');
      udp.on('message', (msg, from) => {
        const answer = this.handle(msg.toString('latin1'), 'udp');
        if (answer) udp.send(Buffer.from(answer, 'latin1'), from.port, from.address);
      });
      await new Promise<void>((resolve, reject) => { udp.once('error', reject); udp.bind(this.opts.udpPort, host, () => resolve()); });
      this.udp = udp;
      this.addresses.udp = udp.address().port;
    }
    return this.addresses;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.udp?.close();
    await new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r()));
  }

  /** The answer to one block, or null when silent. */
  handle(block: string, via: 'tcp' | 'udp'): string | null {
    if (this.opts.silent) return null;
    const now = this.clock();
    const decoded = decodeDc09(block, { keyFor: (a) => (a ? this.keys.get(a.toUpperCase()) : undefined) });
    if (!decoded.ok) return this.answer('NAK', encodeDc09Nak(now));
    const m = decoded.value;
    const key = m.account ? this.keys.get(m.account.toUpperCase()) : undefined;
    if (m.timestamp !== null && (m.timestamp > now + AHEAD_MS || m.timestamp < now - BEHIND_MS)) return this.answer('NAK', encodeDc09Nak(now));
    if (m.token === 'NULL') { this.counts.nulls += 1; return this.answer('ACK', encodeDc09Ack(m, now, key)); }
    const contactId = m.token === 'ADM-CID' ? decodeContactId(m.data) : null;
    const sia = m.token === 'SIA-DCS' ? decodeSiaDcs(m.data) : null;
    const unknown = this.opts.unknownCodes ?? [];
    if ((!contactId && !sia) || (sia && unknown.includes(sia.code)) || (contactId && unknown.includes(contactId.code))) return this.answer('DUH', encodeDc09Duh(m, now));
    if (this.nakLeft > 0) { this.nakLeft -= 1; return this.answer('NAK', encodeDc09Nak(now)); }
    const id = `${m.account}|${m.seq}|${m.data}`;
    if (this.seen.has(id)) {
      this.counts.duplicates += 1;
    } else {
      this.seen.add(id);
      this.record(m, now, via, contactId, sia);
      if (this.ackLossLeft > 0) { this.ackLossLeft -= 1; return null; }
    }
    return this.answer('ACK', encodeDc09Ack(m, now, key));
  }

  private answer(kind: Dc09Answer, text: string): string {
    this.counts[kind.toLowerCase() as 'ack' | 'nak' | 'duh'] += 1;
    return text;
  }

  private record(m: Dc09Message, now: number, via: 'tcp' | 'udp', contactId: ContactIdEvent | null, sia: SiaDcsEvent | null): void {
    const r: ReceivedDc09 = {
      account: m.account, seq: m.seq, token: m.token, data: m.data, encrypted: m.encrypted, receiver: m.receiver, line: m.line,
      timestamp: m.timestamp, receivedAt: now, via, ...(contactId ? { contactId } : {}), ...(sia ? { sia } : {}),
    };
    this.received.push(r);
    for (const l of this.listeners) l(r);
  }
}
