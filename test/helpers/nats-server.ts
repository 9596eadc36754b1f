// One nats-server starter for the tests and the benchmarks (simulators/stack/nats-server.ts).
export { NATS_SERVER, startNatsServer } from '../../simulators/stack/nats-server.ts';
export type { NatsServer } from '../../simulators/stack/nats-server.ts';
