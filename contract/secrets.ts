import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * Secrets are stored hashed (CONTRACT.md). Generated tokens carry 256 random bits, so a salted
 * SHA-256 is enough (OWASP Password Storage: slow hashes are for low-entropy, human-chosen
 * passwords) and a regional gateway can verify 20,000 device logins without burning seconds of CPU.
 * Human-chosen passwords use scrypt.
 */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string, kind: 'sha256' | 'scrypt' = 'sha256'): string {
  const salt = randomBytes(16).toString('hex');
  return `${kind}$${salt}$${digest(kind, salt, secret).toString('hex')}`;
}

export function verifySecret(secret: string, stored: string): boolean {
  const [kind, salt, hex] = stored.split('$');
  if ((kind !== 'sha256' && kind !== 'scrypt') || !salt || !hex || hex.length !== 64) return false;
  const expected = Buffer.from(hex, 'hex');
  return timingSafeEqual(digest(kind, salt, secret), expected);
}

function digest(kind: 'sha256' | 'scrypt', salt: string, secret: string): Buffer {
  return kind === 'scrypt'
    ? scryptSync(secret, salt, 32)
    : createHash('sha256').update(salt).update('\0').update(secret).digest();
}
