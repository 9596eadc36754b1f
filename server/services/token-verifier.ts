import { createHash } from 'node:crypto';
import { verifySecret } from '../../contract/index.ts';
import type { Role, ServerProvisioning } from '../../contract/index.ts';

/** Unknown tokens remembered, so a client retrying a wrong token does not re-hash every entry. */
const MAX_REMEMBERED_FAILURES = 1024;

/**
 * A machine login from the provisioning file: a gateway, or an integration (each `users` entry
 * there holds a long-lived token, so it is a machine's login; people sign in with passwords).
 */
export interface FileAccount {
  kind: 'integration' | 'gateway';
  name: string;
  role: Role;
  sites: readonly string[];
  regions: readonly string[];
  /** An `admin` entry naming no sites and no regions: every site (the file's bootstrap administrator). */
  all: boolean;
}

/**
 * Bearer tokens checked against the provisioning file's salted hashes. A token is verified once
 * (one hash per provisioned entry, scrypt ones being slow by design), then found in O(1) by its
 * SHA-256: the cache never holds the token itself. `replace` swaps the file's entries (a changed file).
 */
export class TokenVerifier {
  private readonly known = new Map<string, FileAccount>();
  private readonly failed = new Set<string>();

  constructor(private provisioning: ServerProvisioning) {}

  replace(provisioning: ServerProvisioning): void {
    this.provisioning = provisioning;
    this.known.clear();
    this.failed.clear();
  }

  verify(token: string): FileAccount | undefined {
    const digest = createHash('sha256').update(token).digest('base64');
    const cached = this.known.get(digest);
    if (cached) return cached;
    if (this.failed.has(digest)) return undefined;
    const account = this.scan(token);
    if (account) {
      this.known.set(digest, account);
    } else {
      if (this.failed.size >= MAX_REMEMBERED_FAILURES) {
        const oldest = this.failed.values().next().value;
        if (oldest !== undefined) this.failed.delete(oldest);
      }
      this.failed.add(digest);
    }
    return account;
  }

  /** Sites the file lists for a gateway (the site registry may assign it more). */
  sitesOfGateway(gatewayId: string): readonly string[] {
    return this.provisioning.gateways.find((g) => g.gatewayId === gatewayId)?.sites ?? [];
  }

  hasGateway(gatewayId: string): boolean {
    return this.provisioning.gateways.some((g) => g.gatewayId === gatewayId);
  }

  private scan(token: string): FileAccount | undefined {
    for (const user of this.provisioning.users) {
      if (verifySecret(token, user.tokenHash)) {
        const regions = user.regions ?? [];
        return {
          kind: 'integration', name: user.username, role: user.role, sites: user.sites, regions,
          all: user.role === 'admin' && user.sites.length === 0 && regions.length === 0,
        };
      }
    }
    for (const gateway of this.provisioning.gateways) {
      if (verifySecret(token, gateway.tokenHash)) {
        return { kind: 'gateway', name: gateway.gatewayId, role: 'gateway', sites: gateway.sites, regions: [], all: false };
      }
    }
    return undefined;
  }
}
