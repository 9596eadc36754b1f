import type { Alarm } from '../../contract/index.ts';
import type { AlarmKey, AlarmKeyState, Tx } from './store/types.ts';

/** One alarm key as a batch sees it: its open alarm and its last-applied position. */
export interface KeySlot {
  key: AlarmKey;
  open: Alarm | undefined;
  state: AlarmKeyState | undefined;
}

/**
 * The alarm keys one ingest batch touches, inside its unit of work: each key is read once, moved
 * in memory by every event of the batch, and written once at the end (`flush`), so a call raised
 * and cleared in the same batch writes its alarm row and its key once, not twice (issue 18's
 * ingest goal). The change log and the audit trail still get every transition, as it happens.
 */
export class IngestBatch {
  private readonly slots = new Map<string, KeySlot>();
  private readonly dirtyStates = new Set<KeySlot>();
  /** The newest state of each alarm moved in this batch, by id. */
  private readonly dirtyAlarms = new Map<string, Alarm>();

  constructor(private readonly tx: Tx) {}

  async slot(key: AlarmKey): Promise<KeySlot> {
    const id = `${key.siteId}\0${key.subject}\0${key.kind}`;
    let slot = this.slots.get(id);
    if (!slot) {
      slot = { key, open: await this.tx.alarms.findOpen(key), state: await this.tx.alarms.keyState(key) };
      this.slots.set(id, slot);
    }
    return slot;
  }

  setState(slot: KeySlot, state: AlarmKeyState): void {
    slot.state = state;
    this.dirtyStates.add(slot);
  }

  setAlarm(slot: KeySlot, alarm: Alarm): void {
    slot.open = alarm.status === 'resolved' ? undefined : alarm;
    this.dirtyAlarms.set(alarm.id, alarm);
  }

  /** Writes each touched key and alarm once, in the batch's unit of work. */
  async flush(): Promise<void> {
    for (const slot of this.dirtyStates) await this.tx.alarms.putKeyState(slot.key, slot.state!);
    for (const alarm of this.dirtyAlarms.values()) await this.tx.alarms.put(alarm);
  }
}
