import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Residents' personal data at rest (issue 17; PIPL art. 51: encryption of personal information).
 * Everything personal the server keeps goes through this interface before it reaches a store, so
 * the database alone reveals nothing, and a key-management service can replace the key file later
 * without any store noticing.
 */
export interface PersonalDataSealer {
  /** Encrypts `plaintext`, bound to `context` (e.g. `site:home-0001`): a sealed value moved to another row will not open. */
  seal(plaintext: string, context: string): string;
  /** Decrypts what `seal` made with the same context; throws SealError when it was altered, moved or sealed under another key. */
  open(sealed: string, context: string): string;
  /** A keyed hash of an identifier (a watch IMEI) that can be looked up and compared, never read back. */
  blindIndex(value: string): string;
}

export class SealError extends Error {
  readonly code = 'SEAL';
}

const FORMAT = 'cw1';
const IV_BYTES = 12; // NIST SP 800-38D 8.2: 96-bit IVs for GCM, random per message
const TAG_BYTES = 16;

/**
 * AES-256-GCM (NIST SP 800-38D) with a fresh random 96-bit IV per value and the context as
 * additional authenticated data. Sealed values read `cw1.<keyId>.<iv>.<ciphertext>.<tag>`
 * (base64url), so a later key rotation can tell which key sealed what. The encryption key and the
 * blind-index key are derived from one 256-bit data key with HKDF-SHA-256 (RFC 5869), never used raw.
 */
export class AesGcmSealer implements PersonalDataSealer {
  readonly keyId: string;
  private readonly encryptionKey: Buffer;
  private readonly indexKey: Buffer;

  constructor(dataKey: Buffer) {
    if (dataKey.length !== 32) throw new SealError(`the data key must be 32 bytes (256 bits), got ${dataKey.length}`);
    this.encryptionKey = derive(dataKey, 'carewatch personal data v1');
    this.indexKey = derive(dataKey, 'carewatch blind index v1');
    this.keyId = createHash('sha256').update(derive(dataKey, 'carewatch key id v1')).digest('hex').slice(0, 12);
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, this.keyId, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== FORMAT) throw new SealError('not a sealed value');
    const [, keyId, iv, body, tag] = parts as [string, string, string, string, string];
    if (keyId !== this.keyId) throw new SealError(`sealed under another data key (${keyId}); this server holds ${this.keyId}`);
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      // GCM's tag check failed: the value was altered, or belongs to another row (its context).
      throw new SealError(`sealed value for ${context} does not open: altered, or sealed for another record`);
    }
  }

  blindIndex(value: string): string {
    return createHmac('sha256', this.indexKey).update(value, 'utf8').digest('base64url');
  }
}

function derive(key: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, 32));
}
