import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChainVerifier, canonicalJson, chain, chainWithText, GENESIS_HASH, hashedText } from '../../server/services/audit/audit-chain.ts';

// The hash of every audit record already written covers this text: it must never change.
describe('canonicalJson: the text an audit record is hashed over', () => {
  it('sorts object keys at every depth by UTF-16 code units and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: undefined, c: [{ z: 1, y: { x: 'é', X: 2, ä: 3, 10: 1, 9: 2 } }] }))
      .toBe('{"b":1,"c":[{"y":{"10":1,"9":2,"X":2,"x":"é","ä":3},"z":1}]}');
  });

  it('writes plain values as JSON.stringify does, and an array slot with no JSON form as empty', () => {
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson('a"b')).toBe('"a\\"b"');
    expect(canonicalJson([1, undefined, null, 'a'])).toBe('[1,,null,"a"]');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson([])).toBe('[]');
  });

  it('gives an audit record the same text whatever order its fields were set in', () => {
    const a = { at: 1, actor: 'nurse', from: null, action: 'alarm.raised', details: { status: 'active_unack', kind: 'call.button' }, seq: 2, prevHash: 'ab' };
    const b = { prevHash: 'ab', seq: 2, details: { kind: 'call.button', status: 'active_unack' }, action: 'alarm.raised', from: null, actor: 'nurse', at: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"action":"alarm.raised","actor":"nurse","at":1,"details":{"kind":"call.button","status":"active_unack"},"from":null,"prevHash":"ab","seq":2}');
  });
});

describe('the chain: each record hashed over the previous hash and its canonical JSON', () => {
  const input = { at: 1_700_000_000_000, actor: 'gateway:gw-a', from: '127.0.0.1', action: 'alarm.raised' as const, siteId: 'site-a', alarmId: 'a1', residentId: null, details: { status: 'active_unack', kind: 'call.button', severity: 'major', eventId: 'e1' } };

  it('writes the hashed fields as canonicalJson of them would, without gathering them first', () => {
    const record = { ...input, seq: 7, prevHash: 'ab'.repeat(32) };
    const { at, actor, from, action, siteId, alarmId, residentId, details, seq, prevHash } = record;
    expect(hashedText(record)).toBe(canonicalJson({ at, actor, from, action, siteId, alarmId, residentId, details, seq, prevHash }));
    // A field left undefined is left out, as canonicalJson leaves it.
    const partial = { ...record, residentId: undefined } as unknown as typeof record;
    expect(hashedText(partial)).toBe(canonicalJson({ at, actor, from, action, siteId, alarmId, details, seq, prevHash }));
  });

  it('hashes SHA-256 over prevHash then the canonical text, numbering from 1 after the genesis hash', () => {
    const first = chain(input, null);
    const canonical = canonicalJson({ ...input, seq: 1, prevHash: GENESIS_HASH });
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, hash: createHash('sha256').update(GENESIS_HASH).update(canonical).digest('hex') });
    const second = chain({ ...input, action: 'alarm.cleared' }, first);
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash });
    const verifier = new ChainVerifier(null);
    expect(verifier.next(first) && verifier.next(second)).toBe(true);
    expect(new ChainVerifier(null).next({ ...first, details: { ...first.details, severity: 'critical' } })).toBe(false);
  });

  it('stores each record as JSON that parses back to the record itself', () => {
    const { record, text } = chainWithText({ ...input, from: 'a "quoted" place', details: { note: 'line\nbreak', n: 1.5, ok: true, none: null } }, null);
    expect(JSON.parse(text)).toEqual(record);
  });
});
