import type { AddressInfo } from 'node:net';
import fp from 'fastify-plugin';
import { API_PREFIX } from '../../../contract/index.ts';
import type { EscalationConfigInput } from '../../../contract/index.ts';
import { loadEscalationConfig, parseEscalationConfig } from '../../services/escalation/escalation-config.ts';
import { EscalationPolicies } from '../../services/escalation/escalation-policies.ts';
import { EscalationService } from '../../services/escalation/escalation-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Escalation, re-signal, emergency contacts and webhooks (issue 18). */
    escalation: EscalationService;
  }
}

export interface EscalationOptions {
  dataDir: string;
  clock: () => number;
  /** `CAREWATCH_ESCALATION_FILE`; default `{dataDir}/escalation.json`, else the built-in default. */
  file?: string | undefined;
  /** The configuration itself (tests), instead of a file. */
  config?: EscalationConfigInput | undefined;
  /** No timer of its own: tests in controlled time call `app.escalation.runDue()`. */
  manual?: boolean | undefined;
  /** How contacts reach this server (`CAREWATCH_PUBLIC_URL`); default the address it listens on. */
  publicUrl?: string | undefined;
}

export default fp<EscalationOptions>(async (app, opts) => {
  const { config, from } = opts.config
    ? { config: parseEscalationConfig(opts.config), from: 'server options' }
    : loadEscalationConfig({ file: opts.file, dataDir: opts.dataDir });
  app.log.info({ from, channels: Object.keys(config.channels) }, 'escalation configuration loaded');
  const regions = {
    // Policies are looked up once per scope index: a provisioning change (a site moved under another region) replaces it.
    snapshot: () => app.scope.current,
    regionsOf: (siteId: string): string[] => {
      const index = app.scope.current;
      const regionId = index.site(siteId)?.regionId;
      return regionId ? index.tree.ancestry(regionId).reverse() : [];
    },
  };
  const baseUrl = (): string => {
    if (opts.publicUrl) return opts.publicUrl.replace(/\/$/, '');
    const address = app.server.address() as AddressInfo | null;
    if (!address) return '';
    return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  };
  const service = new EscalationService({
    store: app.store, bus: app.alarmBus, policies: new EscalationPolicies(config, regions), sealer: app.sealer,
    siteDocument: (siteId) => app.sites.document(siteId), clock: opts.clock, log: app.log, metrics: app.metrics,
    confirmUrl: (alarmId) => `${baseUrl()}${API_PREFIX}/alarms/${encodeURIComponent(alarmId)}/confirm`,
    manual: opts.manual,
  });
  app.alarms.setReactor(service);
  app.decorate('escalation', service);
  // After listen: steps that fell due while the server was down are taken now, late but not lost.
  app.addHook('onReady', async () => service.start());
  app.addHook('preClose', async () => service.stop());
}, { name: 'escalation', fastify: '5.x', dependencies: ['store', 'metrics', 'privacy', 'registry', 'alarms'] });
