import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { FixtureCase } from './fuzz-helpers.ts';

/**
 * What a golden test checked of each fixture case, so "covers every case" can fail: every case
 * the fixture README counts must have run to its end, and every fact (`expect` key) of it must
 * have been checked by name. Keys that only explain (`note`) are listed as informational.
 */
export class FixtureLedger {
  private readonly checked = new Map<string, Set<string>>();
  private readonly finished = new Set<string>();

  /** `subset`: the cases are a part of the file (another test file owns the rest), so the README's count is not theirs. */
  constructor(
    private readonly proto: string,
    private readonly cases: readonly FixtureCase[],
    private readonly informational: readonly string[] = ['note'],
    private readonly subset = false,
  ) {}

  /** Records that `key` of case `id` was compared with the fixture's value. */
  check(id: string, key: string): void {
    let keys = this.checked.get(id);
    if (!keys) this.checked.set(id, (keys = new Set()));
    keys.add(key);
  }

  /** The case's test reached its last line (no early return, no throw). */
  finish(id: string): void {
    this.finished.add(id);
  }

  /** Every case the README counts ran to its end with every one of its facts checked. */
  expectComplete(): void {
    if (!this.subset) expect(this.cases.map((c) => c.id)).toHaveLength(readmeCount(this.proto));
    expect(new Set(this.cases.map((c) => c.id)).size).toBe(this.cases.length); // ids are unique
    const missing = this.cases.filter((c) => !this.finished.has(c.id)).map((c) => c.id);
    expect(missing, 'cases whose test did not finish').toEqual([]);
    const unchecked = this.cases.flatMap((c) => Object.keys(c.expect)
      .filter((k) => !this.informational.includes(k) && !this.checked.get(c.id)?.has(k))
      .map((k) => `${c.id}.${k}`));
    expect(unchecked, 'facts no check compared').toEqual([]);
  }
}

/** The case count the fixture README states for `proto` (its table: `rflink/cases.jsonl   14 cases`). */
export function readmeCount(proto: string): number {
  const readme = readFileSync(new URL('../fixtures/README.md', import.meta.url), 'utf8');
  const m = new RegExp(`^${proto}/cases\\.jsonl\\s+(\\d+) (?:cases|frames)$`, 'm').exec(readme);
  if (!m) throw new Error(`the fixture README states no count for ${proto}`);
  return Number(m[1]);
}
