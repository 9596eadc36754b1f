import fp from 'fastify-plugin';
import { AlarmBus } from '../../services/alarm-bus.ts';
import { AlarmService } from '../../services/alarm-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    alarms: AlarmService;
    alarmBus: AlarmBus;
    /** Closers of open SSE streams, run before the server closes so `close()` never waits on them. */
    liveStreams: Set<() => void>;
  }
}

export default fp<{ clock: () => number }>(async (app, opts) => {
  const bus = new AlarmBus();
  const liveStreams = new Set<() => void>();
  app.decorate('alarmBus', bus);
  app.decorate('alarms', new AlarmService(app.store, bus, opts.clock));
  app.decorate('liveStreams', liveStreams);
  app.metrics.addGauge('carewatch_sse_clients', 'Open alarm streams.', () => [[{}, liveStreams.size]]);
  app.addHook('preClose', async () => {
    for (const close of [...liveStreams]) close();
  });
}, { name: 'alarms', fastify: '5.x', dependencies: ['store', 'metrics'] });
