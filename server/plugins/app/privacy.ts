import fp from 'fastify-plugin';
import { ChangeIds } from '../../services/change-ids.ts';
import { loadDataKey } from '../../services/privacy/data-key.ts';
import { AesGcmSealer } from '../../services/privacy/sealer.ts';
import type { PersonalDataSealer } from '../../services/privacy/sealer.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Seals residents' personal data before it reaches a store (AES-256-GCM). */
    sealer: PersonalDataSealer;
    /** The alarm stream's ids, opaque so they reveal nothing of other sites' activity (issue 16). */
    changeIds: ChangeIds;
  }
}

export interface PrivacyOptions {
  dataDir: string;
  /** `CAREWATCH_DATA_KEY` (the key itself) and `CAREWATCH_DATA_KEY_FILE`; default `{dataDir}/data.key`. */
  dataKey?: { env?: string | undefined; file?: string | undefined } | undefined;
}

/** The data key is read once at start; a missing or loosely-permitted key file stops the start with a clear message. */
export default fp<PrivacyOptions>(async (app, opts) => {
  const { key, from, created } = loadDataKey({ dataDir: opts.dataDir, env: opts.dataKey?.env, file: opts.dataKey?.file });
  if (created) app.log.warn({ file: from }, 'made a new data key for residents\' personal data; keep a copy apart from the database (docs/provisioning.md)');
  const sealer = new AesGcmSealer(key);
  app.log.info({ from, keyId: sealer.keyId }, 'data key loaded');
  app.decorate('sealer', sealer);
  app.decorate('changeIds', new ChangeIds(key));
}, { name: 'privacy', fastify: '5.x' });
