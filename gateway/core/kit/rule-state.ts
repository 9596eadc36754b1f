/**
 * Where rules keep what must survive a restart (DESIGN.md "Time, state, identity"): last activity,
 * open conditions, timer deadlines. Rules read it when they start and write through on change;
 * the gateway backs it with SQLite, tests with memory. Values are JSON-serialisable.
 * Keys are namespaced by the rule: `{rule}:{subject}`; a site's store holds only that site.
 */
export interface RuleStateStore {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  /** Every entry whose key starts with `prefix`, for a rule rebuilding its state on start. */
  entries<T>(prefix: string): Array<[string, T]>;
}

export class MemoryRuleState implements RuleStateStore {
  private readonly map = new Map<string, string>();

  get<T>(key: string): T | undefined {
    const raw = this.map.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  set(key: string, value: unknown): void {
    // Serialised like the SQLite store, so tests catch a value that would not survive a restart.
    this.map.set(key, JSON.stringify(value));
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  entries<T>(prefix: string): Array<[string, T]> {
    const out: Array<[string, T]> = [];
    for (const [k, v] of this.map) if (k.startsWith(prefix)) out.push([k, JSON.parse(v) as T]);
    return out;
  }
}
