import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing with scrypt from node:crypto. OWASP's Password Storage Cheat Sheet ranks
 * Argon2id first and scrypt next; we take scrypt because Node 20 ships it (no native add-on to
 * build and patch, nothing extra in `npm ci`), at OWASP's parameters for it: N = 2^17, r = 8,
 * p = 1 (128 MiB, about 0.3–1.5 s on this project's 2-core machine). The hash string carries its
 * parameters (`$scrypt$ln=17,r=8,p=1$salt$hash`, after the PHC string format), so they can be
 * raised later and old hashes still verify.
 *
 * Hashing runs in libuv's thread pool, never on the event loop, and one at a time
 * (`HashQueue`): a burst of sign-ins costs at most one core and never delays an alarm.
 */
export interface ScryptCost {
  /** log2 of N, the CPU/memory cost. */
  ln: number;
  r: number;
  p: number;
}

export const OWASP_SCRYPT: ScryptCost = { ln: 17, r: 8, p: 1 };

const KEY_BYTES = 32;
const FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

export function isPasswordHash(value: string): boolean {
  return FORMAT.test(value);
}

export class PasswordHasher {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly cost: ScryptCost = OWASP_SCRYPT) {}

  hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    return this.run(async () => {
      const key = await derive(password, salt, this.cost);
      return `$scrypt$ln=${this.cost.ln},r=${this.cost.r},p=${this.cost.p}$${b64(salt)}$${b64(key)}`;
    });
  }

  /** True when `password` matches; false for a wrong password or a hash this cannot read. */
  verify(password: string, stored: string): Promise<boolean> {
    const m = FORMAT.exec(stored);
    if (!m) return Promise.resolve(false);
    const cost = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
    const salt = Buffer.from(m[4]!, 'base64');
    const expected = Buffer.from(m[5]!, 'base64');
    return this.run(async () => {
      const key = await derive(password, salt, cost);
      return key.length === expected.length && timingSafeEqual(key, expected);
    });
  }

  /** One hash at a time, in arrival order. */
  private run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    this.tail = result.then(() => undefined, () => undefined);
    return result;
  }
}

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.ln;
  return new Promise((resolve, reject) => {
    // Memory is 128·N·r bytes; allow twice that so the default 32 MiB ceiling never refuses it.
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function b64(buffer: Buffer): string {
  return buffer.toString('base64').replace(/=+$/, '');
}
