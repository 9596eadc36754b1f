import type { LocalAlarm, LocalSounder, LocalSounderState, SirenWarningCommand, SiteFile } from '../../contract/index.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';

/** Sends one command to a siren: the topic is under its bridge's base topic. */
export type SounderPublish = (siteId: string, bridge: SiteFile['bridges'][number], topic: string, payload: string) => Promise<void>;

export interface LocalSoundersOptions {
  /** The site files watched now (they follow hot reload). */
  sites: () => Iterable<SiteFile>;
  publish: SounderPublish;
  log: Logger;
  metrics: Metrics;
  clock?: () => number;
}

interface Sounding {
  mode: 'fire' | 'emergency';
  since: number;
  alarms: string[];
  renew: NodeJS.Timeout;
}

const isFire = (kind: string): boolean => kind.startsWith('fire.');

/**
 * The sites' local sounders (contract/local-sounder.ts): a siren is set off when a critical alarm
 * of its site is active, not silenced locally, and the server cannot be reached (issue 15: the
 * institution is blind then). Once sounding it keeps sounding while that alarm lasts — the server
 * coming back does not silence a fire — and is stopped (`mode: "stop"`) when the alarms that set
 * it off clear or staff silence them on the local page. Each start and stop is logged, counted and
 * shown on the page; a command that cannot be sent is logged as an error and counted.
 */
export class LocalSounders {
  private readonly sounding = new Map<string, Sounding>();
  private readonly stoppedAt = new Map<string, number>();
  private readonly errors = new Map<string, string>();
  private readonly clock: () => number;
  private readonly commands: (labels?: Record<string, string>) => void;
  private readonly failures: (labels?: Record<string, string>) => void;

  constructor(private readonly opts: LocalSoundersOptions) {
    this.clock = opts.clock ?? Date.now;
    this.commands = opts.metrics.counter('carewatch_local_sounder_commands_total', 'Warning commands sent to local sounders, by action (start, renew, stop) and why');
    this.failures = opts.metrics.counter('carewatch_local_sounder_failures_total', 'Local sounder commands that could not be sent');
    const gauge = opts.metrics.gauge('carewatch_local_sounders_sounding', 'Local sounders the gateway has set off and not stopped');
    opts.metrics.onCollect(() => gauge({}, this.sounding.size));
  }

  /** Re-decides every sounder from the active alarms and whether the server is unreachable. */
  update(alarms: readonly LocalAlarm[], serverUnreachable: boolean): void {
    const seen = new Set<string>();
    for (const site of this.opts.sites()) {
      for (const sounder of site.sounders) {
        const key = `${site.site.id}/${sounder.id}`;
        seen.add(key);
        const triggers = alarms.filter((a) => a.siteId === site.site.id && a.severity === 'critical' && a.silencedAt === null
          && (sounder.on === 'critical' || isFire(a.kind)));
        const now = this.sounding.get(key);
        if (now && triggers.length === 0) {
          const why = alarms.some((a) => now.alarms.includes(a.key)) ? 'silenced' : 'cleared';
          this.stop(site, sounder, key, why);
        } else if (triggers.length > 0 && (now || serverUnreachable)) {
          const mode = triggers.some((a) => isFire(a.kind)) ? 'fire' : 'emergency';
          if (!now) this.start(site, sounder, key, mode, triggers.map((a) => a.key));
          else {
            now.alarms = triggers.map((a) => a.key);
            if (now.mode !== mode) {
              now.mode = mode;
              this.send(site, sounder, key, mode, 'mode');
            }
          }
        }
      }
    }
    // A sounder removed from its site file while sounding: stopped as it goes (its bridge may be gone too).
    for (const [key, s] of this.sounding) {
      if (seen.has(key)) continue;
      clearInterval(s.renew);
      this.sounding.delete(key);
      this.opts.log.warn({ sounder: key }, 'local sounder removed from its site file while sounding; no stop could be addressed to it');
    }
  }

  list(): LocalSounderState[] {
    const out: LocalSounderState[] = [];
    for (const site of this.opts.sites()) {
      for (const s of site.sounders) {
        const key = `${site.site.id}/${s.id}`;
        const now = this.sounding.get(key);
        out.push({
          siteId: site.site.id, id: s.id, name: s.name ?? s.friendlyName, sounding: now !== undefined,
          mode: now?.mode ?? null, since: now?.since ?? this.stoppedAt.get(key) ?? null, alarms: now?.alarms ?? [],
          lastError: this.errors.get(key) ?? null,
        });
      }
    }
    return out;
  }

  /** Timers only: a gateway shutting down leaves a siren to its own duration, never silences a fire. */
  stopTimers(): void {
    for (const s of this.sounding.values()) clearInterval(s.renew);
    this.sounding.clear();
  }

  private start(site: SiteFile, sounder: LocalSounder, key: string, mode: Sounding['mode'], alarms: string[]): void {
    // Renewed before the siren's own duration runs out, so a long fire does not fall silent.
    const renew = setInterval(() => {
      const s = this.sounding.get(key);
      if (s) this.send(site, sounder, key, s.mode, 'renew');
    }, sounder.durationSec * 800);
    renew.unref();
    this.sounding.set(key, { mode, since: this.clock(), alarms, renew });
    this.opts.log.warn({ siteId: site.site.id, sounder: sounder.id, friendlyName: sounder.friendlyName, mode, alarms },
      'server unreachable with a critical alarm active: local sounder set off');
    this.send(site, sounder, key, mode, 'start');
  }

  private stop(site: SiteFile, sounder: LocalSounder, key: string, why: 'cleared' | 'silenced'): void {
    const s = this.sounding.get(key)!;
    clearInterval(s.renew);
    this.sounding.delete(key);
    this.stoppedAt.set(key, this.clock());
    this.opts.log.warn({ siteId: site.site.id, sounder: sounder.id, why }, 'local sounder stopped');
    this.send(site, sounder, key, 'stop', why);
  }

  private send(site: SiteFile, sounder: LocalSounder, key: string, mode: SirenWarningCommand['warning']['mode'], why: string): void {
    const bridge = site.bridges.find((b) => b.name === sounder.bridge) ?? site.bridges[0];
    if (!bridge) return; // the site schema requires one (contract/site.ts)
    const command: SirenWarningCommand = {
      warning: { mode, level: sounder.level, strobe: mode !== 'stop' && sounder.strobe, duration: mode === 'stop' ? 0 : sounder.durationSec },
    };
    const action = mode === 'stop' ? 'stop' : why === 'renew' ? 'renew' : 'start';
    this.commands({ action, why });
    this.opts.publish(site.site.id, bridge, `${bridge.baseTopic}/${sounder.friendlyName}/set`, JSON.stringify(command)).then(
      () => { this.errors.delete(key); },
      (err: unknown) => {
        const message = (err as Error).message;
        this.errors.set(key, message);
        this.failures({ action });
        this.opts.log.error({ err: message, siteId: site.site.id, sounder: sounder.id, action }, 'local sounder command could not be sent');
      },
    );
  }
}
