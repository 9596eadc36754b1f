import fp from 'fastify-plugin';
import { LocalAlarmBus } from '../../services/alarm-bus.ts';
import type { AlarmBus } from '../../services/alarm-bus.ts';
import { AlarmService } from '../../services/alarm-service.ts';
import { ReplicatedAlarmBus } from '../../services/bus/replicated-alarm-bus.ts';

declare module 'fastify' {
  interface FastifyInstance {
    alarms: AlarmService;
    alarmBus: AlarmBus;
    /** Closers of open SSE streams, run before the server closes so `close()` never waits on them. */
    liveStreams: Set<() => void>;
  }
}

export default fp<{ clock: () => number }>(async (app, opts) => {
  // One replica: changes go straight to its streams. Several (issue 22): every replica's changes, from the store's log in id order.
  let bus: AlarmBus = new LocalAlarmBus();
  if (app.replicaBus.kind !== 'in-process') {
    const replicated = new ReplicatedAlarmBus(app.store, app.replicaBus, app.log);
    await replicated.start();
    app.addHook('onClose', async () => replicated.stop());
    bus = replicated;
  }
  const liveStreams = new Set<() => void>();
  app.decorate('alarmBus', bus);
  app.decorate('alarms', new AlarmService(app.store, bus, opts.clock));
  app.decorate('liveStreams', liveStreams);
  app.metrics.addGauge('carewatch_sse_clients', 'Open alarm streams.', () => [[{}, liveStreams.size]]);
  app.addHook('preClose', async () => {
    for (const close of [...liveStreams]) close();
  });
}, { name: 'alarms', fastify: '5.x', dependencies: ['store', 'metrics', 'bus'] });
