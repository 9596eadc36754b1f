import { randomFillSync } from 'node:crypto';

/**
 * Alarm ids as UUID version 7 (RFC 9562 § 5.7): 48 bits of Unix milliseconds, the version, a 12-bit
 * counter that keeps ids of one millisecond in order (§ 6.2 method 1), the variant, 62 random bits.
 * Ids made later sort later, so the indexes keyed by alarm id (the alarms', the audit trail's) grow
 * at their end instead of at a random page each: random v4 ids wrote ~1 page per alarm change into
 * the WAL of every ingest commit (issue 18's ingest goal). Unique across replicas by the random bits.
 */
export class AlarmIdMaker {
  private lastMs = -1;
  private counter = 0;
  private readonly pool = Buffer.alloc(8 * 128);
  private pooled = 0;

  next(nowMs: number): string {
    let ms = Math.max(Math.floor(nowMs), this.lastMs);
    if (ms === this.lastMs) {
      this.counter += 1;
      if (this.counter > 0xfff) {
        ms += 1;
        this.counter = 0;
      }
    } else {
      this.counter = 0;
    }
    this.lastMs = ms;
    if (this.pooled === 0) {
      randomFillSync(this.pool);
      this.pooled = this.pool.length / 8;
    }
    this.pooled -= 1;
    const random = this.pool.subarray(this.pooled * 8, this.pooled * 8 + 8);
    const time = ms.toString(16).padStart(12, '0');
    const versionAndCounter = (0x7000 | this.counter).toString(16);
    const variant = ((random[0]! & 0x3f) | 0x80).toString(16).padStart(2, '0') + hex(random[1]!);
    let tail = '';
    for (let i = 2; i < 8; i += 1) tail += hex(random[i]!);
    return `${time.slice(0, 8)}-${time.slice(8)}-${versionAndCounter}-${variant}-${tail}`;
  }
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
