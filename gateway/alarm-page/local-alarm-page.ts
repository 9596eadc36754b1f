import type { FastifyInstance } from 'fastify';
import type { Event, LocalAlarmSnapshot, SiteFile } from '../../contract/index.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { SiteRegistry } from '../site/site-registry.ts';
import { LocalSounders, type SounderPublish } from '../sounders/local-sounders.ts';
import { type AlarmPageSource, isAlarmPageData, registerAlarmPage } from './alarm-page-routes.ts';
import { type LocalAlarmStore, LocalAlarms } from './local-alarms.ts';
import { addStaffGuard } from './staff-guard.ts';
import { loadStaffToken } from './staff-token.ts';

const DEFAULT_ZONE = 'Asia/Shanghai';

export interface LocalAlarmPageOptions {
  gatewayId: string;
  dataDir: string;
  /** Where the staff token lives (default DATA_DIR/gateway-staff-token). */
  staffTokenFile?: string;
  registry: () => SiteRegistry | undefined;
  /** The open alarms on disk (store/sqlite-local-alarms.ts), written by the outbox with each event. */
  store: LocalAlarmStore;
  /** Sends a siren command through the broker its bridge uses. */
  publish: SounderPublish;
  metrics: Metrics;
  log: Logger;
}

/**
 * What night staff have at the gateway while the server is out of reach (issue 15): the active
 * life-safety alarms (local-alarms.ts), the local sounders (sounders/local-sounders.ts), the
 * "server unreachable since" banner (ForwarderStats.unreachableSince), the staff token that
 * guards them, and the page's routes. `start()` reads or makes the token; `stop()` ends the timers.
 */
export class LocalAlarmPage implements AlarmPageSource {
  readonly alarms: LocalAlarms;
  private sounders: LocalSounders;
  private unreachableSince: number | null = null;
  private readonly listeners = new Set<() => void>();
  private token: string | undefined;
  tokenFile: string | undefined;

  constructor(private readonly opts: LocalAlarmPageOptions) {
    this.alarms = new LocalAlarms((siteId, roomId) => {
      const site = opts.registry()?.get(siteId)?.site;
      return {
        siteName: site?.file.site.name ?? siteId,
        timezone: site?.file.site.timezone ?? DEFAULT_ZONE,
        room: (roomId && site?.rooms.get(roomId)?.name) || null,
      };
    }, opts.store);
    this.sounders = new LocalSounders({ sites: () => this.sitesWithSounders(), publish: opts.publish, log: opts.log, metrics: opts.metrics });
    const active = opts.metrics.gauge('carewatch_local_alarms_active', 'Active life-safety alarms on the gateway\'s local page, by silenced');
    opts.metrics.onCollect(() => {
      const list = this.alarms.list();
      active({ silenced: 'false' }, list.filter((a) => a.silencedAt === null).length);
      active({ silenced: 'true' }, list.filter((a) => a.silencedAt !== null).length);
    });
    this.alarms.subscribe(() => this.changed());
  }

  start(): void {
    const staff = loadStaffToken(this.opts.dataDir, this.opts.staffTokenFile);
    this.token = staff.token;
    this.tokenFile = staff.file;
    this.opts.log.info({ file: staff.file, created: staff.created, page: '/alarms' },
      'local alarm page: the staff token (sign-in, status page, metrics) is in this file');
  }

  stop(): void {
    this.sounders.stopTimers();
    this.listeners.clear();
  }

  /** An event the outbox stored (rules, the gateway's own trouble). */
  apply(event: Event): void {
    this.alarms.apply(event);
  }

  /** ForwarderStats.unreachableSince changed (null: the server answers). */
  serverReach(unreachableSince: number | null): void {
    if (unreachableSince === this.unreachableSince) return;
    this.unreachableSince = unreachableSince;
    this.changed();
  }

  snapshot(): LocalAlarmSnapshot {
    const first = this.opts.registry()?.siteIds()[0];
    return {
      gatewayId: this.opts.gatewayId,
      alarms: this.alarms.list(),
      unreachableSince: this.unreachableSince,
      timezone: (first && this.opts.registry()?.get(first)?.site.file.site.timezone) || DEFAULT_ZONE,
      sounders: this.sounders.list(),
      at: Date.now(),
    };
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  silence(keys: readonly string[] | 'all'): string[] {
    return this.alarms.silence(keys, Date.now());
  }

  /** The staff gate: the alarm page's data, and whatever else `protects` names (status page, metrics). */
  guard(app: FastifyInstance, protects: (path: string) => boolean = () => false): void {
    if (!this.token) throw new Error('local alarm page not started');
    addStaffGuard(app, { token: this.token, protects: (p) => isAlarmPageData(p) || protects(p), metrics: this.opts.metrics, log: this.opts.log });
  }

  routes(app: FastifyInstance): void {
    if (!this.token) throw new Error('local alarm page not started');
    registerAlarmPage(app, { source: this, token: this.token, metrics: this.opts.metrics, log: this.opts.log });
  }

  private changed(): void {
    this.sounders.update(this.alarms.list(), this.unreachableSince !== null);
    for (const l of this.listeners) l();
  }

  private *sitesWithSounders(): Iterable<SiteFile> {
    const registry = this.opts.registry();
    if (!registry) return;
    for (const id of registry.siteIds()) {
      const file = registry.get(id)?.site.file;
      if (file && file.sounders.length > 0) yield file;
    }
  }
}
