import type { FieldValue, StatusField } from '../../../contract/index.ts';

/**
 * The time-series store behind one interface (issue 19): InfluxDB 1.x when CAREWATCH_INFLUX_URL
 * is set, the embedded SQLite `history.db` otherwise. Both pass one contract suite
 * (test/server/history-store-contract.ts); services never know which one they talk to.
 *
 * Two measurements (docs/history.md): `reading` (the device's fields) and `device_status`
 * (online, battery, tamper, fault, seen, self_test), both tagged by site and device. A point
 * written again with the same series and time replaces the first, as in InfluxDB: a retried
 * batch changes nothing.
 */
export interface HistoryStore {
  readonly kind: 'embedded' | 'influx';
  write(batch: HistoryBatch): Promise<void>;
  /** Points as stored, `from` inclusive, `to` exclusive, oldest first, at most `limit` per field. */
  raw(q: SeriesQuery, limit: number): Promise<FieldSeries[]>;
  /** One bucket per `everyMs` with data (buckets start at UTC multiples of `everyMs`), from the points. */
  downsample(q: SeriesQuery, everyMs: number): Promise<FieldSeries[]>;
  /**
   * The same buckets from the hourly roll-ups: `everyMs` a multiple of an hour, `from` and `to` on
   * hour boundaries. Means are sums over counts, so the answer equals `downsample`'s.
   */
  rolledUp(q: SeriesQuery, everyMs: number): Promise<FieldSeries[]>;
  /**
   * Each device's status at `at` (the newest value of each status field at or before it), for the
   * devices of these sites that have any; 'all' for every site (a city's coverage at once). Read
   * from the daily snapshot of that day's midnight plus the points since (status-snapshots.ts).
   */
  statusAt(sites: readonly string[] | 'all', at: number): Promise<StatusSnapshot[]>;
  /**
   * Brings roll-ups and snapshots up to date with everything written; with `endedBefore` (the
   * periodic job's "now"), roll-ups only of the hours ended by then (queries roll up their own).
   */
  flush(endedBefore?: number): Promise<void>;
  close(): Promise<void>;
}

export interface HistoryBatch {
  readings: ReadingPoint[];
  status: StatusPoint[];
}

export interface ReadingPoint {
  siteId: string;
  deviceId: string;
  /** Device time, epoch ms. */
  ts: number;
  fields: Record<string, FieldValue>;
}

export interface StatusPoint {
  siteId: string;
  deviceId: string;
  ts: number;
  fields: Partial<Record<StatusField, number | boolean>>;
}

export interface SeriesQuery {
  siteId: string;
  deviceId: string;
  from: number;
  to: number;
  /** Fields of `reading` to answer; undefined: every field the device has. */
  fields?: readonly string[] | undefined;
}

export interface StoredPoint {
  /** Epoch ms: the point's time, or its bucket's start. */
  t: number;
  value: FieldValue;
  min?: number;
  max?: number;
  count?: number;
}

export interface FieldSeries {
  field: string;
  points: StoredPoint[];
  /** More points than `limit` lay in the range. */
  truncated: boolean;
}

/** A status value and when it was reported. */
export interface Timed<T> {
  value: T;
  ts: number;
}

export interface StatusSnapshot {
  siteId: string;
  deviceId: string;
  online?: Timed<boolean>;
  battery?: Timed<number>;
  battery_low?: Timed<boolean>;
  tamper?: Timed<boolean>;
  fault?: Timed<boolean>;
  /** The device's last own report. */
  lastSeen?: number;
  lastSelfTest?: number;
}
