import { DEFAULT_SEVERITY, type DeviceFields, type Severity, type Transport } from '../../contract/index.ts';
import type { EventDraft } from '../core/kit/event-draft.ts';
import { type Logger, RateLimitedLog } from '../log.ts';
import type { Metrics } from '../metrics.ts';

/** A message from a device of a known link that no site file registers. */
export interface Sighting {
  transport: Transport;
  /** The link it came through: `zigbee2mqtt:hub`, `serial:/dev/ttyUSB0`, `platform:ctwing`. */
  link: string;
  /** The transport's address of the device (`z2m:kitchen smoke`, `rflink:ev1527:0a1b2c:01`). */
  address: string;
  /** Says which device, for a person: `Zigbee2MQTT friendly name "kitchen smoke"`. */
  label: string;
  /** The alarm the message carries (`smoke`, `sos`, `rf_on` …), when it carries one. */
  alarm?: { what: string; critical: boolean } | undefined;
  ts: number;
  details?: Record<string, string | number | boolean | null>;
}

export interface UnregisteredDevicesOptions {
  metrics: Metrics;
  log: Logger;
  clock?: () => number;
  /** An alarm from the same unregistered device within this is the same incident (default 60 s). */
  alarmRepeatMs?: number;
  /** A message with no alarm raises the trouble again after this (default 1 h). */
  quietRepeatMs?: number;
}

/**
 * CONTRACT.md `device.unregistered`: an alarm-bearing message from a device no site registers is
 * still raised — never nothing (issue 15 defect 2). Every such message is counted and logged; the
 * first one, every alarm (folded to one a minute per device), and a quiet device again after an
 * hour raise an event naming it, subject `device:{address}`. Severity: critical when the message
 * carries a life-safety alarm (smoke, SOS, a call), else the contract's default.
 */
export class UnregisteredDevices {
  private readonly count: (labels?: Record<string, string>) => void;
  private readonly limited: RateLimitedLog;
  private readonly clock: () => number;
  /** `{siteId}|{address}` → when an event last named it, and whether for an alarm. */
  private readonly last = new Map<string, { at: number; alarm: boolean }>();

  constructor(private readonly opts: UnregisteredDevicesOptions) {
    this.count = opts.metrics.counter('carewatch_unregistered_messages_total', 'Messages from devices no site registers, by transport and whether they carried an alarm');
    this.limited = new RateLimitedLog(opts.log);
    this.clock = opts.clock ?? Date.now;
  }

  /**
   * Counts and logs the sighting and, unless folded, hands `store` the event to raise for it.
   * `draft`, when given, is raised instead of `device.unregistered`, every time.
   * `store` throws when the event could not be stored: the caller then withholds its
   * acknowledgement, so the device repeats the message.
   */
  report(siteId: string, s: Sighting, store: (draft: EventDraft) => void, draft?: EventDraft): void {
    const alarm = s.alarm !== undefined;
    this.count({ transport: s.transport, alarm: alarm ? 'yes' : 'no' });
    this.limited.warn(`unregistered:${s.transport}`, { siteId, link: s.link, address: s.address, alarm: s.alarm?.what }, `message from an unregistered device: ${s.label}${alarm ? ` carries an alarm (${s.alarm!.what})` : ''}`);
    // An event the link knows better than "unregistered" (a fire panel's fire) is never folded.
    if (draft) return store(draft);
    const key = `${siteId}|${s.address}`;
    const now = this.clock();
    const prev = this.last.get(key);
    const due = !prev
      || now - prev.at >= (alarm ? this.opts.alarmRepeatMs ?? 60_000 : this.opts.quietRepeatMs ?? 3_600_000)
      || (alarm && !prev.alarm);
    if (!due) return;
    store(unregisteredDraft(siteId, s));
    if (this.last.size >= 10_000) this.last.clear(); // bounded: a noisy 433 MHz band cannot grow it forever
    this.last.set(key, { at: now, alarm });
  }
}

export function unregisteredDraft(siteId: string, s: Sighting): EventDraft {
  const severity: Severity = s.alarm?.critical ? 'critical' : s.alarm ? DEFAULT_SEVERITY['device.unregistered'] : 'warning';
  return {
    siteId,
    kind: 'device.unregistered',
    action: 'raise',
    severity,
    subject: `device:${s.address}`.slice(0, 140),
    ts: s.ts,
    source: { transport: s.transport, link: s.link },
    details: { address: s.address.slice(0, 500), label: s.label.slice(0, 500), link: s.link, alarm: s.alarm?.what ?? null, ...s.details },
  };
}

/** Life-safety alarms in a Zigbee2MQTT payload (Zigbee2MQTT's exposes names). */
const Z2M_CRITICAL: Record<string, (v: unknown) => boolean> = {
  smoke: (v) => v === true,
  gas: (v) => v === true,
  carbon_monoxide: (v) => v === true,
  sos: (v) => v === true,
  fall: (v) => v === true,
  water_flow: (v) => v === true,
  fall_down_status: (v) => v === 'fall',
  action: (v) => typeof v === 'string' && /^(emergency|sos|single|double|hold|press|panic)/.test(v),
};
const Z2M_OTHER: Record<string, (v: unknown) => boolean> = {
  water_leak: (v) => v === true,
  tamper: (v) => v === true,
  alarm: (v) => v === true,
  fall_down_status: (v) => v === 'maybe_fall',
};

/** The alarm a Zigbee2MQTT state message carries, if any (payload not parsed as JSON: none). */
export function z2mAlarm(payload: Buffer | string): Sighting['alarm'] {
  let obj: unknown;
  try {
    obj = JSON.parse(payload.toString());
  } catch {
    return undefined;
  }
  if (typeof obj !== 'object' || obj === null) return undefined;
  const o = obj as Record<string, unknown>;
  for (const [k, is] of Object.entries(Z2M_CRITICAL)) if (is(o[k])) return { what: k === 'action' ? `action ${String(o[k])}` : k, critical: true };
  for (const [k, is] of Object.entries(Z2M_OTHER)) if (is(o[k])) return { what: k, critical: false };
  return undefined;
}

/** The alarm decoded fields carry (a platform push's), in the contract's field vocabulary. */
export function fieldsAlarm(fields: DeviceFields): Sighting['alarm'] {
  for (const f of ['smoke', 'heat', 'water_flow', 'sos', 'fall'] as const) if (fields[f] === true) return { what: f, critical: true };
  if (typeof fields.action === 'string' && fields.action !== 'cancel') return { what: `action ${fields.action}`, critical: true };
  if (fields.fall_down_status === 'fall') return { what: 'fall', critical: true };
  for (const f of ['water_leak', 'tamper', 'fault'] as const) if (fields[f] === true) return { what: f, critical: false };
  return undefined;
}
