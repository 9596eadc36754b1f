import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * DC-09 encryption (ANSI/SIA DC-09-2013 5.5.1.8): AES in CBC mode with an all-zero IV, key of
 * 128, 192 or 256 bits; the text after `[` is prefixed with pad characters to a whole number of
 * 16-byte blocks and sent as upper-case hex. Pad characters are never `[`, `]` or `|`, so the
 * receiver finds where the message starts after decrypting.
 */
export type Dc09Key = Buffer;

const CIPHERS: Record<number, string> = { 16: 'aes-128-cbc', 24: 'aes-192-cbc', 32: 'aes-256-cbc' };
const IV = Buffer.alloc(16);
const PAD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A key as receivers are configured: 32, 48 or 64 hex digits. (pysiaalarm takes the key's ASCII
 * bytes instead; such a key is written here as the hex of those bytes.)
 */
export function parseDc09Key(hex: string): Dc09Key | string {
  if (!/^[0-9A-Fa-f]+$/.test(hex)) return 'key must be hex digits';
  if (![32, 48, 64].includes(hex.length)) return `key of ${hex.length} hex digits: AES-128/192/256 take 32, 48 or 64`;
  return Buffer.from(hex, 'hex');
}

/** `random(n)` gives n pad characters; the default draws from letters and digits. */
export type PadSource = (n: number) => string;

export const randomPad: PadSource = (n) => {
  let out = '';
  for (let i = 0; i < n; i++) out += PAD_ALPHABET[Math.floor(Math.random() * PAD_ALPHABET.length)];
  return out;
};

export function encryptDc09(text: string, key: Dc09Key, pad: PadSource = randomPad): string {
  const cipher = CIPHERS[key.length];
  if (!cipher) throw new RangeError(`AES key of ${key.length} bytes`);
  const padLength = 16 - (Buffer.byteLength(text, 'latin1') % 16);
  const padText = pad(padLength);
  if (padText.length !== padLength || /[[\]|]/.test(padText)) throw new RangeError('pad must be the asked length and hold no [ ] |');
  const c = createCipheriv(cipher, key, IV).setAutoPadding(false);
  return Buffer.concat([c.update(padText + text, 'latin1'), c.final()]).toString('hex').toUpperCase();
}

/** The decrypted text with its pad, or null when the hex is not whole blocks. */
export function decryptDc09(hex: string, key: Dc09Key): string | null {
  const cipher = CIPHERS[key.length];
  if (!cipher || hex.length === 0 || hex.length % 32 !== 0 || !/^[0-9A-Fa-f]+$/.test(hex)) return null;
  const d = createDecipheriv(cipher, key, IV).setAutoPadding(false);
  return Buffer.concat([d.update(Buffer.from(hex, 'hex')), d.final()]).toString('latin1');
}
