import { describe, expect, it } from 'vitest';
import { line, LineProtocolError, seriesKey } from '../../server/services/history/line-protocol.ts';

// https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/#special-characters
describe('history line protocol', () => {
  const kinds = { heart_rate: 'number', worn: 'boolean', valve: 'string' } as const;
  it('escapes commas, equals signs and spaces in tags, quotes and backslashes in strings; writes each field with its kind', () => {
    expect(line(seriesKey('reading', 'a b', 'x,y=z'), { heart_rate: 60, worn: true, valve: 'o"p\\en' }, 1_700_000_000_000.4, kinds))
      .toBe('reading,device=x\\,y\\=z,site=a\\ b heart_rate=60,worn=true,valve="o\\"p\\\\en" 1700000000000');
  });
  it('leaves out fields without a value, and a point without any', () => {
    expect(line('m', { heart_rate: undefined, worn: false }, 1, kinds)).toBe('m worn=false 1');
    expect(line('m', { heart_rate: undefined }, 1, kinds)).toBeUndefined();
  });
  it('refuses a value of another kind or not a finite number, rather than write a second type', () => {
    expect(() => line('m', { heart_rate: 'high' }, 1, kinds)).toThrow(LineProtocolError);
    expect(() => line('m', { heart_rate: Number.NaN }, 1, kinds)).toThrow(/heart_rate/);
    expect(() => line('m', { mystery: 1 }, 1, kinds)).toThrow(/known field/);
  });
});
