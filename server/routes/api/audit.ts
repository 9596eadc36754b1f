import type { FastifyInstance } from 'fastify';
import { AuditListQuery, AuditListResponse, AuditVerification } from '../../../contract/index.ts';
import { forbidden } from '../../http-error.ts';
import type { ZodTypeProvider } from '../../plugins/external/zod-compiler.ts';
import { OPERATOR_ROLES } from '../../services/scope.ts';
import { allowRoles, ErrorBody, principalOf, requireSite } from './guards.ts';

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };

/**
 * The hash-chained audit trail (issue 18): `GET /audit` in the caller's scope (records of no site —
 * sign-ins, provisioning of regions — only for a reader over everything), and `GET /audit/verify`,
 * which checks the whole chain and names the first edited or deleted record. The fire department
 * reads coverage and fire events only, so neither.
 */
export default async function auditRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get('/audit', {
    onRequest: allowRoles(OPERATOR_ROLES, 'read the audit trail'),
    schema: { querystring: AuditListQuery, response: { 200: AuditListResponse, ...errors } },
  }, async (request) => {
    const principal = principalOf(request);
    const { site, from, to, after, limit } = request.query;
    if (site) requireSite(request, site);
    const sites = site ? [site] : principal.sites === 'all' ? 'all' as const : [...principal.sites];
    const records = await app.store.read((tx) => tx.audit.list({
      sites, afterSeq: after, limit, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}),
    }));
    return { records, next: records.length === limit ? records[records.length - 1]!.seq : null };
  });

  // The check reads every record: an administrator's tool (and `carewatch audit verify` offline).
  app.get('/audit/verify', {
    onRequest: allowRoles(['admin'], 'verify the audit trail'),
    schema: { response: { 200: AuditVerification, ...errors } },
  }, async (request) => {
    // The chain spans every site: its head and breaks are facts about all of them.
    if (principalOf(request).sites !== 'all') throw forbidden('only an administrator over every region may verify the whole audit trail');
    return app.store.read((tx) => tx.audit.verify());
  });
}
