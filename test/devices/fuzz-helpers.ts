import { readFileSync } from 'node:fs';

/**
 * Seeded randomness and payload mutators for fuzz tests. Every generator takes the `Rng`, so a
 * failing input reproduces from its seed and iteration number.
 */

/** mulberry32: tiny, fast, good enough to drive a fuzzer (not for cryptography). */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from empty list');
    return items[this.int(items.length)] as T;
  }
}

export function randomBytes(rng: Rng, maxLength: number): Buffer {
  const bytes = Buffer.alloc(rng.int(maxLength + 1));
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
  return bytes;
}

const SCALARS: readonly unknown[] = [
  null, true, false, 0, -1, 1, 0.5, 51.5, 100, 101, -273.15, 255, 1e21, -1e21, Number.MAX_SAFE_INTEGER,
  '', 'true', 'false', 'yes', '100.00', '1e400', 'NaN', 'online', 'offline', 'emergency', 'single',
  'fall', 'maybe_fall', 'open', 'closed', '2019-06-24T15:30:53.312Z', 'Sonnette Entrée', '\u0000', '\ud800',
];

/** Numbers JSON can carry but JavaScript turns into something odd: Infinity, -0, precision loss. */
export const HUGE_NUMBER_LITERALS: readonly string[] = [
  '1e400', '-1e400', '1e308', '-0', '0.0000000000000000000000001', '123456789012345678901234567890',
  '1E+2', '9007199254740993',
];

export function randomScalar(rng: Rng): unknown {
  switch (rng.int(4)) {
    case 0: return rng.pick(SCALARS);
    case 1: return (rng.next() - 0.5) * 10 ** rng.int(12);
    case 2: return rng.int(1000);
    default: return randomString(rng, 12);
  }
}

export function randomString(rng: Rng, maxLength: number): string {
  let s = '';
  const n = rng.int(maxLength + 1);
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.chance(0.9) ? 32 + rng.int(95) : rng.int(0x3000));
  return s;
}

/** A random JSON value, keys drawn mostly from `keys`, nested at most `depth` levels. */
export function randomJsonValue(rng: Rng, keys: readonly string[], depth: number): unknown {
  if (depth <= 0 || rng.chance(0.5)) return randomScalar(rng);
  if (rng.chance(0.3)) return Array.from({ length: rng.int(4) }, () => randomJsonValue(rng, keys, depth - 1));
  const obj: Record<string, unknown> = {};
  const n = rng.int(6);
  for (let i = 0; i < n; i++) {
    const key = rng.chance(0.8) ? rng.pick(keys) : randomString(rng, 8);
    obj[key] = randomJsonValue(rng, keys, depth - 1);
  }
  return obj;
}

// --- mutators: each takes a payload string and returns a damaged copy -------------------------

export type Mutator = (rng: Rng, payload: string) => string | Buffer;

export const flipByte: Mutator = (rng, payload) => {
  const bytes = Buffer.from(payload, 'utf8');
  if (bytes.length === 0) return bytes;
  const at = rng.int(bytes.length);
  bytes[at] = (bytes[at] ?? 0) ^ (1 << rng.int(8));
  return bytes;
};

export const truncate: Mutator = (rng, payload) => payload.slice(0, rng.int(payload.length + 1));

export const duplicateSlice: Mutator = (rng, payload) => {
  const a = rng.int(payload.length + 1);
  const b = a + rng.int(payload.length - a + 1);
  return payload.slice(0, b) + payload.slice(a, b) + payload.slice(b);
};

export const insertGarbage: Mutator = (rng, payload) => {
  const at = rng.int(payload.length + 1);
  return payload.slice(0, at) + rng.pick(['{', '}', '[', ']', ',', ':', '"', '\\', 'null', '\u0000']) + payload.slice(at);
};

function mutateParsed(payload: string, change: (obj: Record<string, unknown>, key: string) => void, rng: Rng): string {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return payload;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return payload;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 0) return payload;
  change(obj, rng.pick(keys));
  return JSON.stringify(obj);
}

/** Replace one property's value with a value of another JSON type. */
export const typeSwap: Mutator = (rng, payload) => mutateParsed(payload, (obj, key) => {
  obj[key] = rng.pick<unknown>([null, true, 0, 'x', '', [], {}, [obj[key]], { v: obj[key] }, String(obj[key])]);
}, rng);

/** Replace one property's value with a number literal JSON.parse turns into Infinity or loses. */
export const hugeNumber: Mutator = (rng, payload) => {
  const marked = mutateParsed(payload, (obj, key) => { obj[key] = '@@HUGE@@'; }, rng);
  return marked.replace('"@@HUGE@@"', rng.pick(HUGE_NUMBER_LITERALS));
};

export const MAX_NESTING = 512;

/** Wrap a property's value (or the whole payload) in up to MAX_NESTING arrays/objects. */
export const deepNest: Mutator = (rng, payload) => {
  // Mostly shallow, sometimes the bound: depth 2^k, k uniform, capped at MAX_NESTING.
  const depth = Math.min(MAX_NESTING, 2 ** rng.int(Math.log2(MAX_NESTING) + 1));
  const open = rng.chance(0.5) ? '['.repeat(depth) : '{"a":'.repeat(depth);
  const close = open.startsWith('[') ? ']'.repeat(depth) : '}'.repeat(depth);
  if (rng.chance(0.5)) return open + payload + close;
  const marked = mutateParsed(payload, (obj, key) => { obj[key] = '@@NEST@@'; }, rng);
  return marked.replace('"@@NEST@@"', `${open}1${close}`);
};

export const MUTATORS: readonly Mutator[] = [flipByte, truncate, duplicateSlice, insertGarbage, typeSwap, hugeNumber, deepNest];

/** One to three mutations in a row. */
export function mutate(rng: Rng, payload: string): string | Buffer {
  let out: string | Buffer = payload;
  const rounds = 1 + rng.int(3);
  for (let i = 0; i < rounds; i++) out = rng.pick(MUTATORS)(rng, typeof out === 'string' ? out : out.toString('latin1'));
  return out;
}

// --- fixtures ---------------------------------------------------------------------------------

export interface FixtureCase {
  id: string;
  input: string;
  device: string;
  expect: Record<string, unknown>;
  source: string;
  verbatim: boolean;
  topic?: string;
  retain?: boolean;
  note?: string;
}

/** The golden cases of one protocol folder under test/fixtures/ (README "Case format"). */
export function loadFixtureCases(proto: string): FixtureCase[] {
  const url = new URL(`../fixtures/${proto}/cases.jsonl`, import.meta.url);
  return readFileSync(url, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as FixtureCase);
}
