import { loadFixtureCases, randomBytes, type FixtureCase, type Rng } from './fuzz-helpers.ts';

/** Byte-stream mutators for the serial codecs' fuzz tests, on the shared seeded `Rng`. */
export { Rng, randomBytes } from './fuzz-helpers.ts';

/** One random structural change: flip a bit, overwrite, insert, delete, truncate, duplicate a slice. */
export function mutateBytes(rng: Rng, input: Buffer): Buffer {
  const b = Buffer.from(input);
  const at = rng.int(b.length + 1);
  switch (rng.int(6)) {
    case 0:
      if (b.length > 0) b[at % b.length] = (b[at % b.length] as number) ^ (1 << rng.int(8));
      return b;
    case 1:
      if (b.length > 0) b[at % b.length] = rng.int(256);
      return b;
    case 2:
      return Buffer.concat([b.subarray(0, at), randomBytes(rng, 8), b.subarray(at)]);
    case 3:
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rng.int(8)))]);
    case 4:
      return b.subarray(0, at);
    default: {
      const from = rng.int(b.length + 1);
      return Buffer.concat([b.subarray(0, at), b.subarray(from, from + rng.int(16)), b.subarray(at)]);
    }
  }
}

/** Cut a byte stream into reads of 1..maxChunk bytes, as a serial port delivers them. */
export function chunkStream(rng: Rng, stream: Buffer, maxChunk: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < stream.length;) {
    const n = 1 + rng.int(maxChunk);
    out.push(stream.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** A fixture case; serial cases may also say how the bytes arrived (`chunks`). */
export type SerialCase = FixtureCase & { chunks?: string[] };

export function loadSerialCases(proto: 'rflink' | 'gb26875'): SerialCase[] {
  return loadFixtureCases(proto) as SerialCase[];
}
