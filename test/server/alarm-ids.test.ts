import { describe, expect, it } from 'vitest';
import { AlarmIdMaker } from '../../server/services/alarm-ids.ts';

// RFC 9562 § 5.7: xxxxxxxx-xxxx-7xxx-[89ab]xxx-xxxxxxxxxxxx, the first 48 bits the Unix time in ms.
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const msOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('alarm ids: UUID version 7, in the order they were made', () => {
  it('is a version 7 UUID carrying the time it was made', () => {
    const at = Date.UTC(2026, 11, 6, 3, 0, 0, 123);
    const id = new AlarmIdMaker().next(at);
    expect(id).toMatch(UUID_V7);
    expect(msOf(id)).toBe(at);
  });

  it('sorts later ids after earlier ones, within one millisecond (past the 4,096 its counter holds) and across', () => {
    const maker = new AlarmIdMaker();
    const at = Date.UTC(2026, 11, 6, 3, 0, 0, 0);
    const ids = [
      ...Array.from({ length: 5000 }, () => maker.next(at)),
      ...Array.from({ length: 10 }, (_, i) => maker.next(at + 10 + i)),
      maker.next(at), // a clock stepping back never makes an id sort before the ones already made
    ];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => UUID_V7.test(id))).toBe(true);
  });

  it('differs between two makers in the same millisecond (replicas): 62 random bits', () => {
    const at = Date.UTC(2026, 11, 6);
    expect(new AlarmIdMaker().next(at)).not.toBe(new AlarmIdMaker().next(at));
  });
});
