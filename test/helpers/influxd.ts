// One InfluxDB starter for the tests and the benchmarks (the bench starts its own influxd too).
export { INFLUXD, startInfluxd } from '../../simulators/stack/influxd.ts';
export type { Influxd } from '../../simulators/stack/influxd.ts';
