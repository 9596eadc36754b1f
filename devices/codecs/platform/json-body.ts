import { accept, reject, type Decoded } from '../../decoded.ts';

export const MAX_PUSH_BYTES = 1024 * 1024;

/** Raw push body → parsed JSON; the reject detail names what is wrong and where. */
export function parseJsonBody(raw: Buffer): Decoded<unknown> {
  if (raw.length > MAX_PUSH_BYTES) return reject('oversize', `push body of ${raw.length} bytes over ${MAX_PUSH_BYTES}`);
  const text = raw.toString('utf8');
  try {
    return accept(JSON.parse(text) as unknown);
  } catch (e) {
    return reject('malformed_json', `body is not JSON: ${(e as Error).message.slice(0, 120)}`);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Own property only: a JSON key like "constructor" must never reach Object.prototype. */
export function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** `a.b.0.c` into parsed JSON; own properties only. */
export function getPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const part of path.split('.')) {
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(part)) return undefined;
      cur = cur[Number(part)];
    } else if (isObject(cur)) {
      cur = own(cur, part);
    } else {
      return undefined;
    }
  }
  return cur;
}

/** Where a value is in a body, for reject details: `msg[2].dev_id`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
