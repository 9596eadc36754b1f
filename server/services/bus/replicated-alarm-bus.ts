import type { FastifyBaseLogger } from 'fastify';
import type { AlarmBus, AlarmChangeListener } from '../alarm-bus.ts';
import { ChangeBus } from '../change-bus.ts';
import type { ServerStore, StoredAlarmChange } from '../store/types.ts';
import type { ReplicaBus } from './replica-bus.ts';

/** Changes read from the store per round while catching up. */
const PAGE = 500;
/** Looked at even when no news came: a bus message lost in a reconnect costs this much delay, no change. */
const SAFETY_CHECK_MS = 2000;

/** What a replica tells the others after a commit: changes up to this id exist now. */
interface AlarmNews {
  upTo: number;
}

/**
 * Alarm changes of every replica, in change-id order (issue 22). Several replicas commit at
 * once, so news of changes 10 (from another replica) and 11 (from here) may arrive as 11, 10; the
 * live stream keeps `change id > last sent` and would drop 10. So the bus carries only news
 * ("committed up to N") and this tails the store's change log from the last id it passed on:
 * every listener gets every change, once, in order — as a resuming client gets them from the log.
 *
 * Relies on the store's change ids becoming visible in order (a reader that sees N sees all below
 * N): true of the embedded store's single writer and asked of PostgreSQL (docs/scale-out.md).
 */
export class ReplicatedAlarmBus implements AlarmBus {
  private readonly local = new ChangeBus<StoredAlarmChange>();
  private lastSeen = 0;
  private tailing = false;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private stopReceiving: (() => void) | undefined;
  private current: Promise<void> = Promise.resolve();

  constructor(private readonly store: ServerStore, private readonly bus: ReplicaBus, private readonly log: FastifyBaseLogger) {}

  /** Starts from the newest change now: streams replay older ones from the store themselves. */
  async start(): Promise<void> {
    this.lastSeen = await this.store.read((tx) => tx.alarms.lastChangeId());
    this.stopReceiving = this.bus.receive('alarms', (message) => {
      const upTo = (message as Partial<AlarmNews>).upTo;
      if (typeof upTo === 'number' && upTo > this.lastSeen) this.tail();
    });
    this.timer = setInterval(() => this.check(), SAFETY_CHECK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.stopReceiving?.();
    await this.current;
  }

  publish(changes: readonly StoredAlarmChange[]): void {
    if (changes.length === 0) return;
    this.bus.send('alarms', { upTo: Math.max(...changes.map((c) => c.changeId)) } satisfies AlarmNews);
    this.tail();
  }

  subscribe(listener: AlarmChangeListener): () => void {
    return this.local.subscribe(listener);
  }

  /** The id this replica's listeners are current to (tests). */
  get seenUpTo(): number {
    return this.lastSeen;
  }

  private check(): void {
    if (this.tailing || this.stopped) return;
    this.store.read((tx) => tx.alarms.lastChangeId())
      .then((newest) => { if (newest > this.lastSeen) this.tail(); })
      .catch((error: unknown) => this.log.warn({ err: error }, 'alarm bus: cannot read the newest change id'));
  }

  /** One tail at a time; news during it runs one more round. */
  private tail(): void {
    if (this.stopped) return;
    if (this.tailing) {
      this.again = true;
      return;
    }
    this.tailing = true;
    this.current = this.catchUp()
      .catch((error: unknown) => this.log.error({ err: error }, 'alarm bus: cannot read the change log; the next news or check retries'))
      .finally(() => { this.tailing = false; });
  }

  private async catchUp(): Promise<void> {
    do {
      this.again = false;
      for (;;) {
        const page = await this.store.read((tx) => tx.alarms.changesAfter(this.lastSeen, PAGE));
        if (page.length === 0) break;
        this.lastSeen = page[page.length - 1]!.changeId;
        this.local.publish(page);
        if (page.length < PAGE) break;
      }
    } while (this.again && !this.stopped);
  }
}
