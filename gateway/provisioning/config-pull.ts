import { API_PREFIX, GatewayConfig } from '../../contract/index.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { ReconnectBackoff } from '../serial/reconnect-backoff.ts';
import type { ManagedFolder } from './managed-folder.ts';

export interface ConfigPullOptions {
  serverUrl: string;
  token: string;
  folder: ManagedFolder;
  log: Logger;
  metrics: Metrics;
  /** Applies what was just written (credentials reloaded, the managed folder rescanned). */
  apply: () => Promise<void>;
  /** How long the server may hold one pull (default 25 s: under common proxies' 30 s idle limit). */
  waitSec?: number;
}

/**
 * Pulls this gateway's configuration from the server (contract `GatewayConfig`) and applies it
 * without a restart (issue 17): a long poll from the version last applied, so a site, device or
 * credential an admin changes arrives within a second, and an idle gateway asks twice a minute.
 * A server that cannot be reached or answers wrongly is retried with backoff; what was applied stays.
 */
export class ConfigPull {
  private stopped = true;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private readonly backoff = new ReconnectBackoff(1000, 60_000);
  private readonly pulls: (labels?: Record<string, string>, by?: number) => void;
  private appliedVersion: number;
  private wake: (() => void) | undefined;

  constructor(private readonly opts: ConfigPullOptions) {
    this.pulls = opts.metrics.counter('carewatch_config_pulls_total', 'Configuration pulls from the server, by result (changed, unchanged, failed)');
    this.appliedVersion = opts.folder.version();
  }

  /** The provisioning version this gateway has applied. */
  get version(): number {
    return this.appliedVersion;
  }

  start(): void {
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.pullOnce(this.opts.waitSec ?? 25);
        this.backoff.reset();
      } catch (err) {
        if (this.stopped) break;
        this.pulls({ result: 'failed' });
        const delay = this.backoff.next();
        const level = this.backoff.attempts <= 1 || this.backoff.attempts % 10 === 0 ? 'warn' : 'debug';
        this.opts.log[level]({ err: (err as Error).message, retryInMs: delay }, 'configuration pull failed; the sites applied stay');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wake = () => { clearTimeout(timer); resolve(); };
        });
      }
    }
  }

  /** One pull: waits up to `waitSec` for a change, writes and applies it. */
  async pullOnce(waitSec: number): Promise<void> {
    this.abort = new AbortController();
    const url = `${this.opts.serverUrl}${API_PREFIX}/gateway/config?since=${this.appliedVersion}&waitSec=${waitSec}`;
    const timeout = AbortSignal.timeout((waitSec + 15) * 1000);
    const res = await fetch(url, { headers: { authorization: `Bearer ${this.opts.token}` }, signal: AbortSignal.any([this.abort.signal, timeout]) });
    const text = await res.text();
    if (!res.ok) throw new Error(`server answered ${res.status}: ${text.slice(0, 200)}`);
    const config = GatewayConfig.parse(JSON.parse(text));
    if (!config.full && config.sites.length === 0 && config.removed.length === 0 && config.version === this.appliedVersion) {
      this.pulls({ result: 'unchanged' });
      return;
    }
    const { written, removed } = this.opts.folder.write(config);
    await this.opts.apply();
    this.appliedVersion = config.version;
    this.pulls({ result: 'changed' });
    this.opts.log.info({ version: config.version, full: config.full, sites: written.length, removed: removed.length }, 'configuration pulled and applied');
  }
}
