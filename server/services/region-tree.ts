import { childLevel, regionPathNames } from '../../contract/index.ts';
import type { RegionNode, RegionPath } from '../../contract/index.ts';

/**
 * The region tree in memory (a city's tree is a few thousand nodes at most), rebuilt from the
 * store whenever provisioning changes. Pure: lookups, ancestry and checks, no I/O.
 */
export class RegionTree {
  private readonly byId = new Map<string, RegionNode>();
  private readonly childrenOf = new Map<string | null, RegionNode[]>();

  constructor(nodes: readonly RegionNode[]) {
    for (const node of nodes) this.byId.set(node.id, node);
    for (const node of nodes) {
      const siblings = this.childrenOf.get(node.parentId) ?? [];
      siblings.push(node);
      this.childrenOf.set(node.parentId, siblings);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): RegionNode | undefined {
    return this.byId.get(id);
  }

  children(id: string | null): readonly RegionNode[] {
    return this.childrenOf.get(id) ?? [];
  }

  /** Every node, parents before children (cities first), siblings by name. */
  all(): RegionNode[] {
    const out: RegionNode[] = [];
    const walk = (parent: string | null): void => {
      for (const node of [...this.children(parent)].sort((a, b) => a.name.localeCompare(b.name))) {
        out.push(node);
        walk(node.id);
      }
    };
    walk(null);
    return out;
  }

  /** The node and every node beneath it. */
  subtree(id: string): RegionNode[] {
    const root = this.byId.get(id);
    if (!root) return [];
    const out = [root];
    for (let i = 0; i < out.length; i++) out.push(...this.children(out[i]!.id));
    return out;
  }

  /** True when `id` is `ancestorId` or lies beneath it. */
  isWithin(id: string, ancestorId: string): boolean {
    for (let node = this.byId.get(id); node; node = node.parentId === null ? undefined : this.byId.get(node.parentId)) {
      if (node.id === ancestorId) return true;
    }
    return false;
  }

  /** Ids from the city down to the node itself. */
  ancestry(id: string): string[] {
    const out: string[] = [];
    for (let node = this.byId.get(id); node; node = node.parentId === null ? undefined : this.byId.get(node.parentId)) out.unshift(node.id);
    return out;
  }

  /** The community a site file's region path names (city → district → street → community, by name). */
  findByPath(path: RegionPath): RegionNode | undefined {
    let parent: string | null = null;
    let found: RegionNode | undefined;
    for (const name of regionPathNames(path)) {
      found = this.children(parent).find((n) => n.name === name);
      if (!found) return undefined;
      parent = found.id;
    }
    return found;
  }

  /** For messages: how far down a region path is known, e.g. `杭州市 / 上城区` and what is missing. */
  describeMissing(path: RegionPath): string {
    let parent: string | null = null;
    const known: string[] = [];
    for (const name of regionPathNames(path)) {
      const found: RegionNode | undefined = this.children(parent).find((n) => n.name === name);
      if (!found) {
        const under = known.length > 0 ? `under ${known.join(' / ')}` : 'among the cities';
        const siblings = this.children(parent).map((n) => n.name);
        return `no region "${name}" ${under}${siblings.length > 0 ? ` (there: ${siblings.slice(0, 10).join(', ')})` : ''}`;
      }
      known.push(found.name);
      parent = found.id;
    }
    return 'known';
  }

  /** The region path (names) of a community node. */
  pathOf(id: string): RegionPath | undefined {
    const names = this.ancestry(id).map((x) => this.byId.get(x)!.name);
    if (names.length !== 4) return undefined;
    return { city: names[0]!, district: names[1]!, street: names[2]!, community: names[3]! };
  }

  /**
   * Problems with putting `node` into this tree (as new or changed): its parent exists and is one
   * level up, sibling names are unique (a site's path of names must find one node), and a move
   * never puts a node beneath itself.
   */
  problemsWith(node: RegionNode): string[] {
    const problems: string[] = [];
    const parent = node.parentId === null ? null : this.byId.get(node.parentId);
    if (parent === undefined) return [`parentId: no region "${node.parentId}"`];
    const level = childLevel(parent?.level ?? null);
    if (level !== node.level) {
      problems.push(level ? `level: a node under ${parent ? `${parent.level} "${parent.id}"` : 'no parent'} is a ${level}, not a ${node.level}` : `parentId: nothing hangs below community "${parent!.id}" but sites`);
    }
    if (node.parentId !== null && this.isWithin(node.parentId, node.id)) problems.push(`parentId: "${node.parentId}" lies beneath "${node.id}"`);
    const clash = this.children(node.parentId).find((n) => n.name === node.name && n.id !== node.id);
    if (clash) problems.push(`name: "${node.name}" is already the name of "${clash.id}" here`);
    const current = this.byId.get(node.id);
    if (current && current.level !== node.level && this.children(node.id).length > 0) {
      problems.push(`level: "${node.id}" has nodes beneath it; it cannot change level`);
    }
    return problems;
  }
}
