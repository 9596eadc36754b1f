import type { Reading } from '../../contract/index.ts';

/**
 * How far a number must move to count as a change (issue 19: "bounded: changes plus a periodic
 * sample"). A wearable sending its heart rate every few seconds is kept when it moves, not
 * every jitter of a beat; anything not listed (booleans, enums) counts on any change.
 */
export const DEFAULT_DEADBANDS: Readonly<Record<string, number>> = {
  heart_rate: 5,
  spo2: 1,
  temperature: 0.5,
  pressure: 10,
  battery: 5,
  steps: 100,
  latitude: 0.0005, // ≈ 50 m
  longitude: 0.0005,
};

export interface SamplerOptions {
  /** Every device is sampled at least this often while it reports (default 5 min). */
  sampleEveryMs?: number;
  deadbands?: Readonly<Record<string, number>>;
}

interface Sent {
  at: number;
  fields: Record<string, unknown>;
}

/**
 * Decides which readings go to the history: a device's first report, any report whose fields
 * changed beyond their deadband, any self-test, every availability message, and otherwise one
 * report per device per `sampleEveryMs`. Pure and in memory: no I/O, nothing that can slow the
 * rules the same reading feeds.
 */
export class TelemetrySampler {
  private readonly last = new Map<string, Sent>();
  private readonly everyMs: number;
  private readonly deadbands: Readonly<Record<string, number>>;

  constructor(opts: SamplerOptions = {}) {
    this.everyMs = opts.sampleEveryMs ?? 5 * 60_000;
    this.deadbands = opts.deadbands ?? DEFAULT_DEADBANDS;
  }

  /** True when the reading should be kept; remembers what was kept. */
  keep(reading: Reading): boolean {
    if (reading.type === 'availability') return true;
    const key = `${reading.siteId}\u0000${reading.deviceId}`;
    const sent = this.last.get(key);
    const due = !sent || reading.ts - sent.at >= this.everyMs || reading.ts < sent.at || reading.fields.test === true;
    if (!due && !this.changed(sent!.fields, reading.fields)) return false;
    // Fields a report leaves out are unknown, not gone: keep the last known beside the new.
    this.last.set(key, { at: reading.ts, fields: { ...sent?.fields, ...reading.fields } });
    return true;
  }

  /** Devices remembered (a site removed leaves its devices until `forgetSite`). */
  get size(): number {
    return this.last.size;
  }

  forgetSite(siteId: string): void {
    for (const key of this.last.keys()) if (key.startsWith(`${siteId}\u0000`)) this.last.delete(key);
  }

  private changed(before: Record<string, unknown>, now: Record<string, unknown>): boolean {
    for (const [field, value] of Object.entries(now)) {
      const old = before[field];
      if (old === undefined) return true;
      const band = this.deadbands[field];
      if (band !== undefined && typeof value === 'number' && typeof old === 'number') {
        if (Math.abs(value - old) >= band) return true;
      } else if (value !== old) {
        return true;
      }
    }
    return false;
  }
}
