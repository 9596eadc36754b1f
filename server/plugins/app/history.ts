import fp from 'fastify-plugin';
import { HistoryService } from '../../services/history/history-service.ts';
import { openInfluxHistory } from '../../services/history/influx-history.ts';
import { openSqliteHistory } from '../../services/history/sqlite-history.ts';

declare module 'fastify' {
  interface FastifyInstance {
    history: HistoryService;
  }
}

export interface HistoryOptions {
  dataDir: string;
  /** InfluxDB 1.x, e.g. `http://127.0.0.1:8086/carewatch` (CAREWATCH_INFLUX_URL); else `{dataDir}/history.db`. */
  influxUrl?: string | undefined;
  /** What "now" is for audits without `at` (tests pass a fake). */
  clock: () => number;
}

/** The time-series store (issue 19): InfluxDB when a URL is given, the embedded one otherwise. */
export default fp<HistoryOptions>(async (app, opts) => {
  const store = opts.influxUrl ? await openInfluxHistory(opts.influxUrl) : openSqliteHistory(opts.dataDir);
  const history = new HistoryService(store, app.metrics, app.log, opts.clock);
  history.start();
  app.decorate('history', history);
  app.addHook('onClose', async () => history.close());
  app.log.info({ store: store.kind }, 'history store open');
}, { name: 'history', fastify: '5.x', dependencies: ['metrics'] });
