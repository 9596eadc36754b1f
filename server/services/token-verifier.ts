import { createHash } from 'node:crypto';
import { verifySecret } from '../../contract/index.ts';
import type { ServerProvisioning } from '../../contract/index.ts';
import type { Principal } from './scope.ts';

/** Unknown tokens remembered, so a client retrying a wrong token does not re-hash every entry. */
const MAX_REMEMBERED_FAILURES = 1024;

/**
 * Bearer tokens checked against the provisioning file's salted hashes. A token is verified once
 * (one hash per provisioned entry, scrypt ones being slow by design), then found in O(1) by its
 * SHA-256: the cache never holds the token itself.
 */
export class TokenVerifier {
  private readonly known = new Map<string, Principal>();
  private readonly failed = new Set<string>();

  constructor(private readonly provisioning: ServerProvisioning) {}

  verify(token: string): Principal | undefined {
    const digest = createHash('sha256').update(token).digest('base64');
    const cached = this.known.get(digest);
    if (cached) return cached;
    if (this.failed.has(digest)) return undefined;
    const principal = this.scan(token);
    if (principal) {
      this.known.set(digest, principal);
    } else {
      if (this.failed.size >= MAX_REMEMBERED_FAILURES) {
        const oldest = this.failed.values().next().value;
        if (oldest !== undefined) this.failed.delete(oldest);
      }
      this.failed.add(digest);
    }
    return principal;
  }

  /** Provisioned sites of a gateway. */
  sitesOfGateway(gatewayId: string): readonly string[] {
    return this.provisioning.gateways.find((g) => g.gatewayId === gatewayId)?.sites ?? [];
  }

  private scan(token: string): Principal | undefined {
    for (const user of this.provisioning.users) {
      if (verifySecret(token, user.tokenHash)) {
        return {
          kind: 'user',
          name: user.username,
          role: user.role,
          sites: user.role === 'admin' ? 'all' : new Set(user.sites),
        };
      }
    }
    for (const gateway of this.provisioning.gateways) {
      if (verifySecret(token, gateway.tokenHash)) {
        return { kind: 'gateway', name: gateway.gatewayId, role: 'gateway', sites: new Set(gateway.sites) };
      }
    }
    return undefined;
  }
}
