/**
 * The exact text of a top-level member's value in a JSON object, e.g. the `msg` of a OneNET push.
 * OneNET signs the msg text as it serialised it; re-serialising our parse of it can differ in
 * spacing or number format, so the signature is checked over the bytes that arrived.
 * Input is assumed to be valid JSON (parsed before); anything unexpected yields undefined.
 */
export function topLevelValueText(json: string, key: string): string | undefined {
  let i = skipWs(json, 0);
  if (json[i] !== '{') return undefined;
  i = skipWs(json, i + 1);
  while (i < json.length && json[i] !== '}') {
    if (json[i] !== '"') return undefined;
    const keyEnd = stringEnd(json, i);
    if (keyEnd < 0) return undefined;
    let name: unknown;
    try { name = JSON.parse(json.slice(i, keyEnd)); } catch { return undefined; }
    i = skipWs(json, keyEnd);
    if (json[i] !== ':') return undefined;
    const start = skipWs(json, i + 1);
    const end = valueEnd(json, start);
    if (end < 0) return undefined;
    if (name === key) return json.slice(start, end);
    i = skipWs(json, end);
    if (json[i] === ',') i = skipWs(json, i + 1);
  }
  return undefined;
}

function skipWs(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\n' || s[i] === '\r' || s[i] === '\t')) i++;
  return i;
}

/** Index after the closing quote of the string starting at i. */
function stringEnd(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === '"') return j + 1;
  }
  return -1;
}

function valueEnd(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return stringEnd(s, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s[j];
      if (d === '"') { j = stringEnd(s, j) - 1; if (j < 0) return -1; continue; }
      if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') { depth--; if (depth === 0) return j + 1; }
    }
    return -1;
  }
  let j = i;
  while (j < s.length && s[j] !== ',' && s[j] !== '}' && s[j] !== ' ' && s[j] !== '\n' && s[j] !== '\r' && s[j] !== '\t') j++;
  return j > i ? j : -1;
}
