import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { OkResponse, RegionNode, RegionPutBody, RegionPutResponse, RegionTreeFile, childLevel, flattenRegionTree } from '../../../../contract/index.ts';
import { badRequest } from '../../../http-error.ts';
import type { ZodTypeProvider } from '../../../plugins/external/zod-compiler.ts';
import { ErrorBody, principalOf } from '../guards.ts';
import { actorOf } from './actor.ts';

const IdParams = z.object({ id: RegionNode.shape.id });

/** The region tree (JGJ/T 484-2019 3.0.3): nodes added, renamed, moved and removed within the caller's node. */
export default async function regionRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const errors = { '4xx': ErrorBody, '5xx': ErrorBody };

  app.get('/regions', { schema: { response: { 200: z.object({ regions: z.array(RegionNode) }), ...errors } } }, async (request) => {
    return { regions: app.scope.visibleRegions(principalOf(request)) };
  });

  app.put('/regions/:id', {
    schema: { params: IdParams, body: RegionPutBody, response: { 200: RegionPutResponse, ...errors } },
  }, async (request) => {
    const principal = principalOf(request);
    const { parentId, name } = request.body;
    const parent = parentId === null ? undefined : app.scope.current.tree.get(parentId);
    if (parentId !== null && (!parent || app.scope.regionRefusal(principal, request.params.id, { parentId }))) {
      throw badRequest(`parentId: no region ${parentId} in your scope`);
    }
    const level = childLevel(parent?.level ?? null);
    if (!level) throw badRequest(`parentId: ${parentId} is a community; nothing hangs below it but sites`);
    return app.regions.put(actorOf(request), { id: request.params.id, parentId, level, name }, (id, change) => app.scope.regionRefusal(principal, id, change));
  });

  /** A whole tree as `carewatch admin region import` reads it: each node put, parents first. */
  app.post('/regions/import', {
    schema: { body: RegionTreeFile, response: { 200: z.object({ added: z.number().int(), changed: z.number().int() }), ...errors } },
  }, async (request) => {
    const principal = principalOf(request);
    let nodes: RegionNode[];
    try {
      nodes = flattenRegionTree(request.body);
    } catch (error) {
      throw badRequest((error as Error).message);
    }
    let added = 0;
    let changed = 0;
    for (const node of nodes) {
      const existing = app.scope.current.tree.get(node.id);
      if (existing && existing.name === node.name && existing.parentId === node.parentId) continue;
      const result = await app.regions.put(actorOf(request), node, (id, change) => app.scope.regionRefusal(principal, id, change));
      if (result.created) added += 1; else changed += 1;
    }
    return { added, changed };
  });

  app.delete('/regions/:id', { schema: { params: IdParams, response: { 200: OkResponse, ...errors } } }, async (request) => {
    const principal = principalOf(request);
    const { version } = await app.regions.remove(actorOf(request), request.params.id, (id, change) => app.scope.regionRefusal(principal, id, change));
    return { ok: true as const, version };
  });
}
