import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  GatewayPutBody, IntegrationPutBody, MachinePutResponse, MachineView, NameParams, OkResponse, UserPutBody, UserPutResponse, UserView,
} from '../../../../contract/index.ts';
import type { ZodTypeProvider } from '../../../plugins/external/zod-compiler.ts';
import type { Principal } from '../../../services/scope.ts';
import type { Grant, MachineRecord } from '../../../services/store/identity-store.ts';
import { ErrorBody, principalOf } from '../guards.ts';
import { actorOf } from './actor.ts';

/**
 * People (password sign-in, sessions), integrations and gateways (long-lived tokens: machines
 * only). An administrator hands out nothing beyond its own grant, and sees and changes only
 * accounts within it; the rest answer 404.
 */
export default async function accountRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const errors = { '4xx': ErrorBody, '5xx': ErrorBody };
  const grantRefusal = (p: Principal, grant: Grant) => app.scope.grantRefusal(p, grant);
  /** Why `p` may not manage a machine under `regionId` (and as it is now), or undefined. */
  const machineRefusal = (p: Principal, regionId: string | null, current: MachineRecord | undefined): string | undefined => {
    const own = p.grant;
    if (!own || p.role !== 'admin') return `role ${p.role} may not manage gateways or integrations`;
    if (own.all) return undefined;
    for (const r of [regionId, current?.regionId]) {
      if (r === undefined) continue;
      if (r === null) return 'only an administrator over every region may manage a machine outside any region (give regionId)';
      if (!app.scope.current.grantCoversRegion(own, r)) return `region ${r} is outside your scope`;
    }
    return current && current.kind === 'integration' ? grantRefusal(p, current.grant) : undefined;
  };
  const machineView = (m: MachineRecord) => ({
    name: m.name, kind: m.kind, role: m.role, regionId: m.regionId, createdAt: m.createdAt, updatedAt: m.updatedAt,
    ...(m.kind === 'gateway' ? { sites: [...app.scope.current.sitesOfGateway(m.name)] } : {}),
  });

  // ---- people
  app.get('/users', { schema: { response: { 200: z.object({ users: z.array(UserView) }), ...errors } } }, async (request) => {
    const p = principalOf(request);
    const users = (await app.accounts.users()).filter((u) => !grantRefusal(p, u.grant));
    return { users: users.map(({ username, role, grant, createdAt, updatedAt }) => ({ username, role: role as UserView['role'], grant, createdAt, updatedAt })) };
  });

  app.put('/users/:name', { schema: { params: NameParams, body: UserPutBody, response: { 200: UserPutResponse, ...errors } } }, async (request) => {
    const p = principalOf(request);
    const { role, grant, password } = request.body;
    return app.accounts.putUser(actorOf(request), { username: request.params.name, role, grant, password },
      (wanted, current) => (current && grantRefusal(p, current)) || grantRefusal(p, wanted));
  });

  app.delete('/users/:name', { schema: { params: NameParams, response: { 200: OkResponse, ...errors } } }, async (request) => {
    const p = principalOf(request);
    await app.accounts.removeUser(actorOf(request), request.params.name, (grant) => grantRefusal(p, grant));
    return { ok: true as const };
  });

  // ---- machines
  const listMachines = (kind: MachineRecord['kind']) => async (request: FastifyRequest) => {
    const p = principalOf(request);
    const machines = (await app.accounts.machines()).filter((m) => m.kind === kind && !machineRefusal(p, m.regionId, m));
    return { machines: machines.map(machineView) };
  };
  const MachineList = z.object({ machines: z.array(MachineView) });
  app.get('/gateways', { schema: { response: { 200: MachineList, ...errors } } }, listMachines('gateway'));
  app.get('/integrations', { schema: { response: { 200: MachineList, ...errors } } }, listMachines('integration'));

  app.put('/gateways/:name', { schema: { params: NameParams, body: GatewayPutBody, response: { 200: MachinePutResponse, ...errors } } }, async (request) => {
    const p = principalOf(request);
    const { regionId, rotate } = request.body;
    return app.accounts.putMachine(actorOf(request), { name: request.params.name, kind: 'gateway', role: 'gateway', grant: { all: false, regions: [], sites: [] }, regionId, rotate },
      (current) => machineRefusal(p, regionId, current));
  });

  app.put('/integrations/:name', { schema: { params: NameParams, body: IntegrationPutBody, response: { 200: MachinePutResponse, ...errors } } }, async (request) => {
    const p = principalOf(request);
    const { role, grant, regionId, rotate } = request.body;
    return app.accounts.putMachine(actorOf(request), { name: request.params.name, kind: 'integration', role, grant, regionId, rotate },
      (current) => machineRefusal(p, regionId, current) ?? grantRefusal(p, grant));
  });

  for (const kind of ['gateway', 'integration'] as const) {
    app.delete(`/${kind}s/:name`, { schema: { params: NameParams, response: { 200: OkResponse, ...errors } } }, async (request) => {
      const p = principalOf(request);
      await app.accounts.removeMachine(actorOf(request), (request.params as { name: string }).name, kind, (current) => machineRefusal(p, current.regionId, current));
      return { ok: true as const };
    });
  }
}
