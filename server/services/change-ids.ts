import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';

/**
 * What the alarm stream shows as `id:` (and the alarm list as `lastChangeId`) in place of the
 * store's change id (issue 16, last point). The change log is one sequence for all sites, so
 * plain ids told a staff member of one home how much happened everywhere else between two of
 * their own changes. Here each id is the change id sealed in one AES block: opaque, unforgeable
 * (8 zero bytes checked), and the same on every replica, since the key is derived from the data
 * key each replica already shares (CAREWATCH_DATA_KEY / data.key).
 */
export class ChangeIds {
  private readonly key: Buffer;

  constructor(dataKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'carewatch sse change ids', 16));
  }

  encode(changeId: number): string {
    const block = Buffer.alloc(16);
    block.writeBigUInt64BE(BigInt(changeId), 8);
    const cipher = createCipheriv('aes-128-ecb', this.key, null).setAutoPadding(false);
    return Buffer.concat([cipher.update(block), cipher.final()]).toString('base64url');
  }

  /** The change id behind an id this server gave, 0 for "0" (from the start), else undefined. */
  decode(id: string): number | undefined {
    if (id === '0') return 0;
    if (!/^[A-Za-z0-9_-]{22}$/.test(id)) return undefined;
    const decipher = createDecipheriv('aes-128-ecb', this.key, null).setAutoPadding(false);
    const block = Buffer.concat([decipher.update(Buffer.from(id, 'base64url')), decipher.final()]);
    if (block.readBigUInt64BE(0) !== 0n) return undefined;
    const n = block.readBigUInt64BE(8);
    return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined;
  }
}
