import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../server/services/audit/audit-chain.ts';

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
