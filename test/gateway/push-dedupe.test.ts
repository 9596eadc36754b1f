import { afterEach, describe, expect, it } from 'vitest';
import { buildPushPlatforms, DEFAULT_PUSH_CONFIG } from '../../gateway/push/push-config.ts';
import { PushDedupe } from '../../gateway/push/push-dedupe.ts';
import { openGatewayDb } from '../../gateway/store/open-gateway-db.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dirs: Array<{ remove(): void }> = [];
afterEach(() => { for (const d of dirs.splice(0)) d.remove(); });
function freshDir(): string {
  const d = tempDir('carewatch-dedupe-');
  dirs.push(d);
  return d.path;
}

describe('PushDedupe', () => {
  it('knows a message id once remembered, per platform', () => {
    const db = openGatewayDb(freshDir());
    const dedupe = new PushDedupe(db);
    expect(dedupe.seen('ctwing', 'ctwing:abc')).toBe(false);
    dedupe.remember('ctwing', 'ctwing:abc');
    dedupe.remember('ctwing', 'ctwing:abc'); // a second remember is harmless
    expect(dedupe.seen('ctwing', 'ctwing:abc')).toBe(true);
    expect(dedupe.seen('onenet', 'ctwing:abc')).toBe(false);
    db.close();
  });

  it('survives a restart: the ids are in the gateway database', () => {
    const dir = freshDir();
    const first = openGatewayDb(dir);
    new PushDedupe(first).remember('onenet', 'onenet:a1b2');
    first.close();
    const again = openGatewayDb(dir);
    expect(new PushDedupe(again).seen('onenet', 'onenet:a1b2')).toBe(true);
    again.close();
  });

  it('prunes ids older than asked, keeps the recent ones', () => {
    const db = openGatewayDb(freshDir());
    let now = 1_000_000;
    const dedupe = new PushDedupe(db, { clock: () => now });
    dedupe.remember('ctwing', 'old');
    now += 60_000;
    dedupe.remember('ctwing', 'recent');
    expect(dedupe.prune(30_000)).toBe(1);
    expect([dedupe.seen('ctwing', 'old'), dedupe.seen('ctwing', 'recent')]).toEqual([false, true]);
    db.close();
  });

  it('prunes by itself every pruneEvery remembers, past the retention', () => {
    const db = openGatewayDb(freshDir());
    let now = 0;
    const dedupe = new PushDedupe(db, { clock: () => now, retentionMs: 1000, pruneEvery: 3 });
    dedupe.remember('p', 'a');
    now = 5000;
    dedupe.remember('p', 'b');
    expect(dedupe.seen('p', 'a')).toBe(true);
    dedupe.remember('p', 'c'); // third: prunes what is older than 1 s
    expect([dedupe.seen('p', 'a'), dedupe.seen('p', 'b'), dedupe.seen('p', 'c')]).toEqual([false, true, true]);
    db.close();
  });
});

describe('push platforms config', () => {
  it('by default serves CTWing and OneNET, tokens from the environment when set', () => {
    const built = buildPushPlatforms(DEFAULT_PUSH_CONFIG, { CAREWATCH_PUSH_ONENET_TOKEN: 'tok-onenet-1' });
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(Object.keys(built.platforms).sort()).toEqual(['ctwing', 'onenet']);
    expect(built.platforms.ctwing!.secret).toBeUndefined();
    expect(built.platforms.onenet!.secret).toBe('tok-onenet-1');
  });

  it('lists every problem as path: message', () => {
    const built = buildPushPlatforms({ ctwing: { token: 'short' }, onenet: { deviceIdKey: 'serial' }, nbiot: {} }, {});
    expect(built.ok).toBe(false);
    if (built.ok) return;
    expect(built.errors).toEqual(expect.arrayContaining([
      expect.stringMatching(/^ctwing\.token: /),
      expect.stringMatching(/^onenet\.deviceIdKey: /),
      expect.stringMatching(/nbiot/),
    ]));
  });

  it('refuses a generic platform taking a built-in platform name', () => {
    const built = buildPushPlatforms({ ctwing: {}, generic: [{ mapping: { name: 'ctwing', deviceIdPath: 'id', fields: { smoke: 'alarm' } } }] }, {});
    expect(built).toEqual({ ok: false, errors: ['generic.0.mapping.name: platform name "ctwing" is used twice'] });
  });
});
