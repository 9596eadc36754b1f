import type { SiteModel, WatchedDevice } from './model.ts';
import type { SiteRuntime } from './site-runtime.ts';
import type { Sighting } from './unregistered-devices.ts';

export interface Located {
  runtime: SiteRuntime;
  device: WatchedDevice;
}

/**
 * The sites one gateway watches — one institution, or thousands of homes — and the indexes that
 * find a device from what a transport knows (a topic's site and device, a watch id, a platform's
 * device id). Sites are swapped whole: replacing one leaves every other site untouched.
 */
export class SiteRegistry {
  private readonly runtimes = new Map<string, SiteRuntime>();
  /**
   * Address → site id, for the transports that do not say which site a message is for: a watch
   * connects with only its id, a platform pushes only its device id. (MQTT, Zigbee2MQTT and serial
   * messages arrive on a link that belongs to one site, so their addresses are per site.)
   */
  private readonly addressIndex = new Map<string, string>();
  private readonly baseTopics = new BaseTopicIndex();

  /**
   * Where an unregistered device of a link no one site owns (a platform push names only its
   * device id) is reported; the gateway raises it under its first site.
   */
  onUnregistered: ((sighting: Sighting) => void) | undefined;

  /** Told of every site added or replaced (its model) and removed (undefined): links follow it. */
  onChange: ((siteId: string, site: SiteModel | undefined) => void) | undefined;

  constructor(private readonly createRuntime: (site: SiteModel) => SiteRuntime) {}

  reportUnregistered(sighting: Sighting): void {
    this.onUnregistered?.(sighting);
  }

  get size(): number {
    return this.runtimes.size;
  }

  siteIds(): string[] {
    return [...this.runtimes.keys()];
  }

  get(siteId: string): SiteRuntime | undefined {
    return this.runtimes.get(siteId);
  }

  /**
   * Adds or replaces a site. Returns problems that keep it out (an address another site
   * already uses): one home cannot take over another home's watch.
   */
  upsert(site: SiteModel): string[] {
    const conflicts: string[] = [];
    for (const [address, device] of site.byAddress) {
      if (!isGlobalAddress(address)) continue;
      const owner = this.addressIndex.get(address);
      if (owner !== undefined && owner !== site.id) conflicts.push(`devices.${device.id}: address ${address} already belongs to site "${owner}"`);
    }
    // Bridge clients of different sites share the broker: overlapping base topics would let one
    // home's hub subscribe to another home's devices.
    for (const bridge of site.file.bridges.filter((b) => !b.external)) {
      const clash = this.baseTopics.overlapping(bridge.baseTopic, site.id);
      if (clash) conflicts.push(`bridges.${bridge.name}: base topic "${bridge.baseTopic}" overlaps "${clash.topic}" of site "${clash.siteId}"`);
    }
    if (conflicts.length > 0) return conflicts;
    this.drop(site.id);
    for (const b of site.file.bridges) if (!b.external) this.baseTopics.add(b.baseTopic, site.id);
    const runtime = this.createRuntime(site);
    this.runtimes.set(site.id, runtime);
    for (const address of site.byAddress.keys()) if (isGlobalAddress(address)) this.addressIndex.set(address, site.id);
    runtime.start();
    this.onChange?.(site.id, site);
    return [];
  }

  remove(siteId: string): boolean {
    if (!this.drop(siteId)) return false;
    this.onChange?.(siteId, undefined);
    return true;
  }

  private drop(siteId: string): boolean {
    const runtime = this.runtimes.get(siteId);
    if (!runtime) return false;
    runtime.stop();
    for (const address of runtime.site.byAddress.keys()) if (this.addressIndex.get(address) === siteId) this.addressIndex.delete(address);
    for (const b of runtime.site.file.bridges) if (!b.external) this.baseTopics.delete(b.baseTopic, siteId);
    this.runtimes.delete(siteId);
    return true;
  }

  /** The device a transport address names, in whichever site holds it. */
  locate(address: string): Located | undefined {
    const siteId = this.addressIndex.get(address);
    if (siteId === undefined) return undefined;
    const runtime = this.runtimes.get(siteId)!;
    const device = runtime.site.byAddress.get(address);
    return device ? { runtime, device } : undefined;
  }

  /** A device by site and id, for transports whose topic names both. */
  device(siteId: string, deviceId: string): Located | undefined {
    const runtime = this.runtimes.get(siteId);
    const device = runtime?.site.devices.get(deviceId);
    return runtime && device ? { runtime, device } : undefined;
  }

  stopAll(): void {
    for (const id of [...this.runtimes.keys()]) this.remove(id);
  }
}

/**
 * Embedded-broker bridge base topics of all sites, checked for overlap (equal, or one a
 * topic-level prefix of the other) in O(topic depth), not against every other site.
 */
class BaseTopicIndex {
  private readonly owners = new Map<string, string>();
  /** Every proper level-prefix of a registered topic → how many registered topics lie below it. */
  private readonly below = new Map<string, { count: number; example: string; siteId: string }>();

  overlapping(topic: string, siteId: string): { topic: string; siteId: string } | undefined {
    for (const prefix of [...levelPrefixes(topic), topic]) {
      const owner = this.owners.get(prefix);
      if (owner !== undefined && owner !== siteId) return { topic: prefix, siteId: owner };
    }
    const under = this.below.get(topic);
    if (under && under.siteId !== siteId) return { topic: under.example, siteId: under.siteId };
    return undefined;
  }

  add(topic: string, siteId: string): void {
    this.owners.set(topic, siteId);
    for (const prefix of levelPrefixes(topic)) {
      const entry = this.below.get(prefix);
      if (entry) entry.count += 1;
      else this.below.set(prefix, { count: 1, example: topic, siteId });
    }
  }

  delete(topic: string, siteId: string): void {
    if (this.owners.get(topic) !== siteId) return;
    this.owners.delete(topic);
    for (const prefix of levelPrefixes(topic)) {
      const entry = this.below.get(prefix);
      if (entry && --entry.count === 0) this.below.delete(prefix);
    }
  }
}

/** `a/b/c` → `a`, `a/b`. */
function levelPrefixes(topic: string): string[] {
  const parts = topic.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

function isGlobalAddress(address: string): boolean {
  return address.startsWith('watch:') || address.startsWith('platform:');
}
