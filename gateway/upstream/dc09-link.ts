import { ConfigError, type Dc09LinkConfig, type Event, type SiteFile } from '../../contract/index.ts';
import { Dc09FrameSplitter, decodeDc09, encodeDc09, parseDc09Key, type Dc09Key, type Dc09Message } from '../../devices/codecs/sia-dc09/index.ts';
import type { Decoded } from '../../devices/decoded.ts';
import { DEFAULT_DC09_CODES, eventToDc09, type Dc09Code } from '../../devices/upstream/index.ts';
import { QueuedLink, type Outcome, type UpstreamLinkDeps } from './queued-link.ts';
import { ReplyTimeout, TcpReplyChannel, UdpReplyChannel, type ReplyChannel } from './reply-channel.ts';
import type { QueuedEvent } from './upstream-queue.ts';

type Reply = Decoded<Dc09Message>;

/**
 * SIA DC-09 to a primary and a backup alarm receiver (ANSI/SIA DC-09-2013): one message at a
 * time, each with its sequence number (kept across retries and restarts), account, receiver and
 * line prefixes and a UTC timestamp, optionally AES-encrypted. ACK: done. NAK: sent again, with
 * the clock corrected by the receiver's time the NAK carries (5.5.2.2). DUH: refused for good.
 * No answer: `attempts` tries on one receiver, then the other; the link stays on the one that
 * answered and tries the primary again every `primaryRetrySec`. Idle: a NULL message tests it.
 */
export class Dc09Link extends QueuedLink {
  private readonly key: Dc09Key | undefined;
  private channels: Array<ReplyChannel<Reply>> = [];
  private active = 0;
  private switchedAt = 0;
  /** Receiver clock minus ours, learnt from a NAK. */
  private clockOffsetMs = 0;
  private readonly codes: Map<string, Readonly<Record<string, Dc09Code | null | undefined>>>;

  constructor(
    private readonly config: Dc09LinkConfig,
    deps: UpstreamLinkDeps,
    private readonly siteFile: (siteId: string) => SiteFile | undefined,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    super(config.name, deps, Object.keys(config.sites)[0]!);
    if (config.keyEnv) {
      const key = parseDc09Key(env[config.keyEnv] ?? '');
      if (typeof key === 'string') throw new ConfigError(`upstream link ${config.name}: ${config.keyEnv}: ${env[config.keyEnv] ? key : 'not set'}`);
      this.key = key;
    }
    this.codes = new Map(Object.entries(config.sites).map(([id, s]) => [id, { ...DEFAULT_DC09_CODES, ...config.codes, ...s.codes }]));
  }

  accepts(event: Event): boolean {
    return Boolean(this.codes.get(event.siteId)?.[event.kind]);
  }

  protected supervisionMs(): number {
    return this.config.supervisionSec * 1000;
  }

  protected describe(): Record<string, string> {
    const at = (e: { host: string; port: number }) => `${this.config.protocol}://${e.host}:${e.port}`;
    return { primary: at(this.config.primary), ...(this.config.backup ? { backup: at(this.config.backup) } : {}) };
  }

  protected openChannels(): void {
    const split = () => {
      const splitter = new Dc09FrameSplitter();
      const keyFor = () => this.key;
      return (chunk: Buffer) => splitter.push(chunk).flatMap((p) => ('block' in p ? [decodeDc09(p.block, { keyFor })] : []));
    };
    const endpoints = [this.config.primary, ...(this.config.backup ? [this.config.backup] : [])];
    this.channels = endpoints.map((e) => (this.config.protocol === 'udp' ? new UdpReplyChannel<Reply>(e, split) : new TcpReplyChannel<Reply>(e, split)));
  }

  protected closeChannels(): void {
    for (const c of this.channels) c.close();
  }

  protected async deliver(row: QueuedEvent): Promise<Outcome> {
    const site = this.config.sites[row.event.siteId];
    const payload = site && eventToDc09(row.event, {
      format: this.config.format,
      codes: this.codes.get(row.event.siteId)!,
      zoneOf: (e) => this.zoneOf(e),
      partition: site.partition,
    });
    if (!site || !payload) return 'refused'; // the configuration changed since it was queued
    const seq = this.deps.queue.seqFor(this.name, row, 9999);
    return this.exchange(seq, payload.token, payload.data, site.account);
  }

  protected async supervise(): Promise<boolean> {
    const account = Object.values(this.config.sites)[0]!.account;
    return (await this.exchange(this.deps.queue.nextSeq(this.name, 9999), 'NULL', '', account)) === 'acknowledged';
  }

  private zoneOf(event: Event): number {
    if (!event.deviceId) return 0;
    const listed = this.config.sites[event.siteId]?.zones?.[event.deviceId];
    if (listed !== undefined) return listed;
    const index = this.siteFile(event.siteId)?.devices.findIndex((d) => d.id === event.deviceId) ?? -1;
    return index + 1;
  }

  /** Receivers in the order to try, each with its number of tries. */
  private order(): Array<[number, number]> {
    const n = this.config.attempts;
    if (this.channels.length === 1) return [[0, n]];
    if (this.active === 0) return [[0, n], [1, n]];
    if (this.clock() - this.switchedAt < this.config.primaryRetrySec * 1000) return [[1, n], [0, n]];
    // On the backup and the primary is due for a look: one try, so an alarm waits little if it is still gone.
    this.switchedAt = this.clock();
    return [[0, 1], [1, n]];
  }

  private async exchange(seq: number, token: string, data: string, account: string): Promise<Outcome> {
    for (const [i, tries] of this.order()) {
      const channel = this.channels[i]!;
      for (let attempt = 1; attempt <= tries; attempt++) {
        if (this.stopped) return 'unreachable';
        const block = encodeDc09({
          token, seq, account, data, timestamp: this.clock() + this.clockOffsetMs,
          ...(this.config.receiver !== undefined ? { receiver: this.config.receiver } : {}),
          ...(this.config.line !== undefined ? { line: this.config.line } : {}),
        }, this.key ? { key: this.key } : {});
        let reply: Dc09Message;
        try {
          const r = await channel.request(Buffer.from(block, 'latin1'), this.config.ackTimeoutMs, (m) => m.ok && (m.value.token === 'NAK' || m.value.seq === seq));
          reply = (r as { value: Dc09Message }).value;
        } catch (err) {
          const timeout = err instanceof ReplyTimeout;
          this.retried(timeout ? 'timeout' : 'connection', `${i === 0 ? 'primary' : 'backup'}: ${(err as Error).message}`);
          if (!timeout) break; // refused or lost: the same receiver will not take the next try either
          continue;
        }
        if (reply.token === 'ACK') { this.onAnswer(i); return 'acknowledged'; }
        if (reply.token === 'DUH') { this.onAnswer(i); return 'refused'; }
        // NAK: the receiver could not use it, often for our clock; its own time sets ours.
        if (reply.timestamp !== null) this.clockOffsetMs = reply.timestamp - this.clock();
        this.retried('nak', `${i === 0 ? 'primary' : 'backup'} answered NAK`);
      }
    }
    return 'unreachable';
  }

  private onAnswer(i: number): void {
    if (i === this.active) return;
    this.stats.failovers += 1;
    this.deps.log.warn({ link: this.name, now: i === 0 ? 'primary' : 'backup' }, i === 0 ? 'upstream link back on its primary receiver' : 'upstream link failed over to its backup receiver');
    this.active = i;
    this.switchedAt = this.clock();
  }
}
