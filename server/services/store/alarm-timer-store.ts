/**
 * What an alarm still has coming, kept where a restart finds it (DESIGN.md "Time, state,
 * identity": timers' deadlines are written, never only held in memory; issue 18: an escalation
 * chain survives a restart mid-chain and continues, never from zero, never dropped).
 *
 * - `escalate`: the next step of the alarm's chain (state: the steps copied at raise, the next index);
 * - `resignal`: an acknowledgement going stale (state: the chain to resume);
 * - `contact`: the next emergency contact to try (state: channel, position, tokens issued);
 * - `deliver`: one webhook message waiting for its (next) attempt (state: sealed payload, attempt).
 */
export type AlarmTimerKind = 'escalate' | 'resignal' | 'contact' | 'deliver';

export interface AlarmTimer {
  /** Unique; `escalate:{alarmId}` style ids make "one of this kind per alarm" an upsert. */
  id: string;
  alarmId: string;
  siteId: string;
  kind: AlarmTimerKind;
  /** Server clock, epoch ms. */
  dueAt: number;
  state: Record<string, unknown>;
}

export interface AlarmTimerStore {
  /** Inserts or replaces by id. */
  put(timer: AlarmTimer): Promise<void>;
  get(id: string): Promise<AlarmTimer | undefined>;
  remove(id: string): Promise<boolean>;
  /** Timers of one alarm, optionally of some kinds only, oldest due first. */
  ofAlarm(alarmId: string, kinds?: readonly AlarmTimerKind[]): Promise<AlarmTimer[]>;
  /** Timers due at or before `now`, earliest first. */
  due(now: number, limit: number): Promise<AlarmTimer[]>;
  /** The earliest deadline, or undefined when nothing is pending. */
  nextDue(): Promise<number | undefined>;
  countByKind(): Promise<Record<AlarmTimerKind, number>>;
}
