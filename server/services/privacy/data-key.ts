import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';

export const DATA_KEY_FILE = 'data.key';

export interface DataKeySource {
  /** `CAREWATCH_DATA_KEY`: the key itself, 32 bytes as base64 or hex. Wins over a file. */
  env?: string | undefined;
  /** A file holding the key (base64 or hex); must be mode 0600 or stricter. */
  file?: string | undefined;
  /** Without either, `{dataDir}/data.key` is used, and made on first start. */
  dataDir: string;
}

export class DataKeyError extends Error {
  readonly code = 'DATA_KEY';
}

/**
 * The 256-bit key residents' data is sealed with. From the environment, else a key file, else one
 * made on first start beside the database (0600). That default keeps a demo working; a deployment
 * keeps the key elsewhere (a separate volume, a secrets manager feeding the environment), so a
 * copy of the database alone reveals nothing (docs/provisioning.md).
 */
export function loadDataKey(source: DataKeySource): { key: Buffer; from: string; created: boolean } {
  if (source.env) return { key: parseKey(source.env, 'CAREWATCH_DATA_KEY'), from: 'CAREWATCH_DATA_KEY', created: false };
  const file = source.file ?? join(source.dataDir, DATA_KEY_FILE);
  if (!existsSync(file)) {
    if (source.file) throw new DataKeyError(`data key file ${file} does not exist`);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return { key: parseKey(readFileSync(file, 'utf8'), file), from: file, created: true };
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new DataKeyError(`data key file ${file} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
  }
  return { key: parseKey(readFileSync(file, 'utf8'), file), from: file, created: false };
}

function parseKey(text: string, where: string): Buffer {
  const value = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) throw new DataKeyError(`${where}: the data key must be 32 bytes as base64 or 64 hex digits`);
  return key;
}
