import { z } from 'zod';
import { AuditRecord } from './audit.ts';
import { SiteId } from './ids.ts';

/** An instant in a query: ISO 8601 or epoch milliseconds. */
const Instant = z.union([
  z.string().regex(/^\d{1,15}$/).transform(Number),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

/** `GET /api/v1/audit?site=&from=&to=&after=&limit=`: the trail in the caller's scope, oldest first. */
export const AuditListQuery = z.object({
  site: SiteId.optional(),
  /** Inclusive. */
  from: Instant.optional(),
  /** Exclusive. */
  to: Instant.optional(),
  /** Records after this position (page on with the response's `next`). */
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export type AuditListQuery = z.infer<typeof AuditListQuery>;

export const AuditListResponse = z.object({
  records: z.array(AuditRecord),
  /** `after` for the next page; null when this page was the last. */
  next: z.number().int().nullable(),
});
export type AuditListResponse = z.infer<typeof AuditListResponse>;
