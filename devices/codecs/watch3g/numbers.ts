/** Lenient number parsing of comma fields: watches pad with spaces (`N, 0.0000000`). */
const DECIMAL = /^[+-]?\d+(?:\.\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

export function decimal(field: string | undefined): number | undefined {
  if (field === undefined) return undefined;
  const text = field.trim();
  return DECIMAL.test(text) ? Number(text) : undefined;
}

export function integer(field: string | undefined): number | undefined {
  if (field === undefined) return undefined;
  const text = field.trim();
  return INTEGER.test(text) && text.length <= 15 ? Number(text) : undefined;
}

export function percent(field: string | undefined): number | undefined {
  const n = integer(field);
  return n !== undefined && n >= 0 && n <= 100 ? n : undefined;
}

export function count(field: string | undefined): number | undefined {
  const n = integer(field);
  return n !== undefined && n >= 0 ? n : undefined;
}
