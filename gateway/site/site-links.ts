import { ExternalZ2mBridge } from '../bridge/external-z2m-bridge.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Rejections } from '../rejections.ts';
import { SerialLink } from '../serial/serial-link.ts';
import type { SiteModel } from './model.ts';
import type { GatewayTrouble } from './gateway-trouble.ts';
import type { SiteRegistry } from './site-registry.ts';

/** A device link a site file asks for: a serial port, or a Zigbee2MQTT on a broker of its own. */
interface Link {
  readonly link: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** External bridges: publish on their broker (local sounders' siren commands). */
  publish?(topic: string, payload: string): Promise<void>;
}

interface Running {
  /** The site file's entry, as JSON: a changed entry is a new link. */
  config: string;
  link: Link;
}

export interface SiteLinksOptions {
  registry: SiteRegistry;
  rejections: Rejections;
  metrics: Metrics;
  log: Logger;
  trouble?: GatewayTrouble;
  /** Builds the links (tests pass short retry times). */
  serialLink?: (siteId: string, config: SiteModel['file']['serial'][number]) => Link;
  externalBridge?: (siteId: string, bridge: SiteModel['file']['bridges'][number]) => Link;
}

/**
 * The serial links and external Zigbee2MQTT bridges of every watched site, following the site
 * files as they are added, changed and removed (issue 15 defect 6: a hot-added home started no
 * link). On each change of a site only the entries that differ are stopped and started: an
 * unchanged port stays open through an edit of the rest of the file. One site at a time, in
 * order (a change waits for the previous one of its site).
 */
export class SiteLinks {
  private readonly sites = new Map<string, Map<string, Running>>();
  private readonly queues = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly opts: SiteLinksOptions) {}

  /** Link names now running (`serial:/dev/ttyUSB0`, `zigbee2mqtt:hub`), per site. */
  list(): Record<string, string[]> {
    return Object.fromEntries([...this.sites].map(([id, links]) => [id, [...links.values()].map((r) => r.link.link)]));
  }

  /**
   * The site's file is now `site` (undefined: removed). Resolves once its links are reconciled;
   * rejects with the first link that could not start (a bridge's password variable not set).
   */
  apply(siteId: string, site: SiteModel | undefined): Promise<void> {
    const prev = this.queues.get(siteId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.reconcile(siteId, site));
    this.queues.set(siteId, next);
    void next.catch(() => undefined).then(() => { if (this.queues.get(siteId) === next) this.queues.delete(siteId); });
    return next;
  }

  /** Publishes through a site's external Zigbee2MQTT bridge (its broker, not the gateway's). */
  publish(siteId: string, bridge: string, topic: string, payload: string): Promise<void> {
    const link = this.sites.get(siteId)?.get(`zigbee2mqtt:${bridge}`)?.link;
    if (!link?.publish) return Promise.reject(new Error(`site ${siteId}: external bridge "${bridge}" is not running`));
    return link.publish(topic, payload);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.queues.values()]);
    const all = [...this.sites.values()].flatMap((m) => [...m.values()]);
    this.sites.clear();
    await Promise.all(all.map((r) => r.link.stop()));
  }

  private async reconcile(siteId: string, site: SiteModel | undefined): Promise<void> {
    if (this.stopped) return;
    const want = new Map<string, string>();
    const entries = new Map<string, () => Link>();
    for (const config of site?.file.serial ?? []) {
      const key = `serial:${config.path}`;
      want.set(key, JSON.stringify(config));
      entries.set(key, () => this.serial(siteId, config));
    }
    for (const bridge of site?.file.bridges ?? []) {
      if (!bridge.external) continue;
      const key = `zigbee2mqtt:${bridge.name}`;
      want.set(key, JSON.stringify(bridge));
      entries.set(key, () => this.bridge(siteId, bridge));
    }
    const running = this.sites.get(siteId) ?? new Map<string, Running>();
    const stopping: Promise<void>[] = [];
    for (const [key, r] of running) {
      if (want.get(key) === r.config) continue;
      running.delete(key);
      this.opts.log.info({ siteId, link: key }, 'site file changed: link stopped');
      stopping.push(r.link.stop());
    }
    await Promise.all(stopping);
    const failures: Error[] = [];
    for (const [key, config] of want) {
      if (running.has(key)) continue;
      const link = entries.get(key)!();
      try {
        await link.start();
        running.set(key, { config, link });
        this.opts.log.info({ siteId, link: key }, 'link started');
      } catch (err) {
        failures.push(err as Error);
        this.opts.log.error({ err, siteId, link: key }, 'link of a site cannot start');
        this.opts.trouble?.raise('link_not_started', { siteId, details: { link: key, error: (err as Error).message } });
      }
    }
    if (running.size > 0) this.sites.set(siteId, running);
    else this.sites.delete(siteId);
    if (failures.length > 0) throw failures[0]!;
  }

  private serial(siteId: string, config: SiteModel['file']['serial'][number]): Link {
    if (this.opts.serialLink) return this.opts.serialLink(siteId, config);
    const { registry, rejections, metrics, log } = this.opts;
    return new SerialLink({ siteId, config, registry, rejections, metrics, log });
  }

  private bridge(siteId: string, bridge: SiteModel['file']['bridges'][number]): Link {
    if (this.opts.externalBridge) return this.opts.externalBridge(siteId, bridge);
    const { registry, rejections, metrics, log } = this.opts;
    return new ExternalZ2mBridge({ siteId, bridge, registry, rejections, metrics, log });
  }
}
