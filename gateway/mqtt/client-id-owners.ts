/**
 * Which credential owns which MQTT client id, and how many sessions each credential holds
 * (issue 16: a home hub's credentials, connecting with the care home's Zigbee2MQTT bridge's
 * client id, took it — and all its smoke detectors — offline three times in a row; one
 * credential held 2,000 sessions).
 *
 * [MQTT-3.1.4-2] says a second CONNECT with a connected client's id takes its place; that is
 * kept for the same credential (a device reconnecting over a half-open socket), and refused for
 * another one. An id stays bound while its client is connected, and while a persistent
 * (`clean=false`) session of it may be stored; a clean session's id is free again when it ends.
 */
export type ClaimRefusal = { why: 'taken'; owner: string } | { why: 'session_cap'; cap: number };

interface Binding {
  username: string;
  /** The connected client holding the id, or undefined while only a stored session does. */
  holder: object | undefined;
  persistent: boolean;
}

export class ClientIdOwners {
  private readonly byId = new Map<string, Binding>();
  private readonly idsOf = new Map<string, Set<string>>();

  /** Per credential: client ids bound at once, connected or with a stored session (default 8). */
  constructor(private readonly sessionCap = 8) {}

  /**
   * May `username` connect as `clientId`? Binds it if so. At the cap, the credential's oldest
   * stored session with no client connected gives way (its id is returned in `evicted`, for the
   * caller to drop that session from the broker); with every session connected, refused.
   */
  claim(clientId: string, username: string, client: object, clean: boolean): ClaimRefusal | { evicted?: string } {
    const bound = this.byId.get(clientId);
    if (bound && bound.username !== username) return { why: 'taken', owner: bound.username };
    let evicted: string | undefined;
    if (!bound && (this.idsOf.get(username)?.size ?? 0) >= this.sessionCap) {
      evicted = [...this.idsOf.get(username)!].find((id) => this.byId.get(id)?.holder === undefined);
      if (evicted === undefined) return { why: 'session_cap', cap: this.sessionCap };
      this.forget(evicted);
    }
    this.byId.set(clientId, { username, holder: client, persistent: !clean });
    let ids = this.idsOf.get(username);
    if (!ids) this.idsOf.set(username, (ids = new Set()));
    ids.add(clientId);
    return evicted === undefined ? {} : { evicted };
  }

  /** The client went away: a clean session frees its id; a persistent one keeps it bound. */
  release(clientId: string, client: object): void {
    const bound = this.byId.get(clientId);
    if (!bound || bound.holder !== client) return; // taken over by a later connection of the same credential
    if (bound.persistent) {
      bound.holder = undefined;
      return;
    }
    this.forget(clientId);
  }

  private forget(clientId: string): void {
    const bound = this.byId.get(clientId);
    if (!bound) return;
    this.byId.delete(clientId);
    const ids = this.idsOf.get(bound.username);
    ids?.delete(clientId);
    if (ids?.size === 0) this.idsOf.delete(bound.username);
  }

  sessionsOf(username: string): number {
    return this.idsOf.get(username)?.size ?? 0;
  }
}
