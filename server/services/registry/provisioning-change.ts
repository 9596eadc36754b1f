import type { AuditRecordInput } from '../../../contract/index.ts';
import type { Tx } from '../store/types.ts';

/** One committed provisioning change, as the change bus carries it. */
export interface ProvisioningChange {
  /** The provisioning version it committed as. */
  version: number;
  what: 'regions' | 'sites' | 'accounts';
  /** Gateways whose configuration changed: their waiting config pulls answer at once. */
  gateways: string[];
  /** Users and integrations changed or removed: their open streams end, to reconnect with what they have now. */
  accounts: string[];
}

/** Who made a change, for the audit trail. */
export interface Actor {
  name: string;
  /** The caller's address. */
  from: string | null;
}

/** Appends the `provisioning.changed` record of a change, inside the unit of work that made it. */
export async function auditProvisioning(
  tx: Tx,
  at: number,
  actor: Actor,
  details: AuditRecordInput['details'],
  siteId: string | null = null,
): Promise<void> {
  await tx.audit.append({ at, actor: actor.name, from: actor.from, action: 'provisioning.changed', siteId, alarmId: null, residentId: null, details });
}
