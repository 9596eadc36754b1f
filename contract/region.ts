import { z } from 'zod';
import { Id } from './ids.ts';
import type { RegionPath } from './site.ts';

/**
 * The call network's region tree (JGJ/T 484-2019 3.0.3: eldercare service platforms are organised
 * city → district → street → community). Every site hangs under one community node; a person
 * scoped to a node sees every site beneath it.
 */
export const RegionLevel = z.enum(['city', 'district', 'street', 'community']);
export type RegionLevel = z.infer<typeof RegionLevel>;
export const REGION_LEVELS: readonly RegionLevel[] = RegionLevel.options;

/** Node ids are ids (URL path segments); names are what people read (杭州市, 上城区 …). */
export const RegionId = Id.describe('region node id');

export const RegionNode = z.object({
  id: RegionId,
  /** null for a city; otherwise a node one level up. */
  parentId: RegionId.nullable(),
  level: RegionLevel,
  name: z.string().trim().min(1).max(100),
});
export type RegionNode = z.infer<typeof RegionNode>;

/** The level a child of `parent` has; undefined below a community (nothing hangs under it but sites). */
export function childLevel(parent: RegionLevel | null): RegionLevel | undefined {
  if (parent === null) return 'city';
  return REGION_LEVELS[REGION_LEVELS.indexOf(parent) + 1];
}

/** A site file's region path as the list of names from city down to community. */
export function regionPathNames(path: RegionPath): [string, string, string, string] {
  return [path.city, path.district, path.street, path.community];
}

/**
 * A region tree as people write it (the `carewatch admin region import` file): nested nodes,
 * each level's children under `children`. Levels follow from the depth.
 */
export interface RegionTreeInput {
  id: string;
  name: string;
  children?: RegionTreeInput[] | undefined;
}
export const RegionTreeInput: z.ZodType<RegionTreeInput> = z.lazy(() => z.object({
  id: RegionId,
  name: z.string().trim().min(1).max(100),
  children: z.array(RegionTreeInput).optional(),
}));
export const RegionTreeFile = z.array(RegionTreeInput).min(1);

/** The nodes of a nested tree, parents before children, each with its level and parent. */
export function flattenRegionTree(roots: readonly RegionTreeInput[]): RegionNode[] {
  const out: RegionNode[] = [];
  const walk = (input: RegionTreeInput, parentId: string | null, level: RegionLevel | undefined): void => {
    if (!level) throw new Error(`region ${input.id}: nothing hangs below a community but sites`);
    out.push({ id: input.id, parentId, level, name: input.name });
    for (const child of input.children ?? []) walk(child, input.id, childLevel(level));
  };
  for (const root of roots) walk(root, null, 'city');
  return out;
}

/** What `GET /api/v1/regions` tells about one node: itself and its roll-ups (issue 17). */
export const RegionRollup = z.object({
  /** Sites beneath the node (in the caller's scope). */
  sites: z.number().int().min(0),
  /** Alarms not yet resolved. */
  openAlarms: z.number().int().min(0),
  /** Devices with an active `device.*` condition (offline, battery, tamper, fault, untested…). */
  devicesInTrouble: z.number().int().min(0),
  /** Home sites whose monitoring is down: an active `gateway.offline` or `device.offline`. */
  homesSilent: z.number().int().min(0),
});
export type RegionRollup = z.infer<typeof RegionRollup>;

export const RegionView = RegionNode.extend({ rollup: RegionRollup });
export type RegionView = z.infer<typeof RegionView>;

/** `GET /api/v1/regions`: the nodes the caller may see (its own and every node beneath), parents first. */
export const RegionListResponse = z.object({ regions: z.array(RegionView) });
export type RegionListResponse = z.infer<typeof RegionListResponse>;
