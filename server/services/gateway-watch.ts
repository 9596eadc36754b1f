import { createHash } from 'node:crypto';
import { DEFAULT_SEVERITY, laneFor } from '../../contract/index.ts';
import type { Event, EventAction } from '../../contract/index.ts';
import type { AlarmService } from './alarm-service.ts';
import type { GatewayStatus, HeartbeatRecord, ServerStore } from './store/types.ts';

/** A heartbeat as the route hands it over: with its full site list, or naming the list by digest only. */
export type Heartbeat = Omit<HeartbeatRecord, 'siteIds'> & { siteIds?: readonly string[] };

/** Recorded as the sender of the server's own events; not a valid gateway id, so it never collides. */
export const SERVER_SENDER = '(server)';

export interface GatewayWatchOptions {
  store: ServerStore;
  alarms: AlarmService;
  clock: () => number;
  silenceMs: number;
  /** When this server started watching: a restart gives every gateway a full silence period again. */
  watchingSince: number;
}

/**
 * Raises `gateway.offline` for a gateway that sent heartbeats and then fell silent, and clears it
 * when heartbeats resume (CONTRACT.md "Gateway → server"). One alarm per site the gateway serves,
 * subject `gateway:{id}`: each site's staff see that their monitoring is down, and scoping stays
 * exact (an alarm on one site never tells another site's users anything).
 */
export class GatewayWatch {
  constructor(private readonly options: GatewayWatchOptions) {}

  /**
   * Records the heartbeat; returns the server time it was received at, and whether the gateway
   * must send its site list in full (its digest did not name the list held here).
   */
  async heartbeat(heartbeat: Heartbeat): Promise<{ serverTime: number; needSites: boolean }> {
    const { store } = this.options;
    const at = this.options.clock();
    const held = await store.read((tx) => tx.gateways.liveness(heartbeat.gatewayId));
    if (held?.offline) {
      // Clear first, then mark online: a crash between the two clears again next time (harmless)
      // rather than leaving the alarm standing. Clear on every site it was raised for and every
      // site it serves now; the full list is read only here.
      const previous = await store.read((tx) => tx.gateways.get(heartbeat.gatewayId));
      if (previous) {
        const sites = new Set([...previous.siteIds, ...(heartbeat.siteIds ?? [])]);
        await this.emit(heartbeat.gatewayId, [...sites], 'clear', previous);
      }
    }
    await store.write(async (tx) => {
      if (heartbeat.siteIds !== undefined) await tx.gateways.recordHeartbeat({ ...heartbeat, siteIds: heartbeat.siteIds }, at);
      // Alive either way; an unknown digest keeps the list held until the gateway sends it.
      else await tx.gateways.touchHeartbeat(heartbeat, at);
      if (held?.offline) await tx.gateways.setOffline(heartbeat.gatewayId, false);
    });
    const needSites = heartbeat.siteIds === undefined && held?.sitesDigest !== heartbeat.sitesDigest;
    return { serverTime: at, needSites };
  }

  /** Raises the alarm for every gateway silent too long; returns how many went offline now. */
  async check(): Promise<number> {
    const { store, clock, silenceMs, watchingSince } = this.options;
    const now = clock();
    let wentOffline = 0;
    // Every few seconds: liveness only; a gateway's site list is read when it falls silent.
    const silent = (await store.read((tx) => tx.gateways.allLiveness()))
      .filter((alive) => !alive.offline && now - Math.max(alive.lastHeartbeatAt, watchingSince) > silenceMs);
    for (const alive of silent) {
      const gateway = await store.read((tx) => tx.gateways.get(alive.gatewayId));
      if (!gateway) continue;
      // Raise first, then mark: a crash between the two raises again (harmless) rather than never.
      await this.emit(gateway.gatewayId, gateway.siteIds, 'raise', gateway);
      await store.write((tx) => tx.gateways.setOffline(gateway.gatewayId, true));
      wentOffline += 1;
    }
    return wentOffline;
  }

  private async emit(gatewayId: string, siteIds: readonly string[], action: EventAction, status: GatewayStatus): Promise<void> {
    const now = this.options.clock();
    const severity = DEFAULT_SEVERITY['gateway.offline'];
    const events: Event[] = siteIds.map((siteId) => ({
      id: `srv-${createHash('sha256').update(`${gatewayId}\0${siteId}\0${action}\0${now}`).digest('hex').slice(0, 40)}`,
      siteId,
      kind: 'gateway.offline',
      action,
      severity,
      lane: laneFor(severity, action),
      subject: `gateway:${gatewayId}`,
      ts: now,
      createdAt: now,
      // The server's clock orders its own events of this subject.
      seq: now,
      count: 1,
      details: { gatewayId, lastHeartbeatAt: status.lastHeartbeatAt, outboxDepth: status.outboxDepth },
    }));
    if (events.length > 0) await this.options.alarms.ingest(SERVER_SENDER, events);
  }
}
