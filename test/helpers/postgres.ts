// One PostgreSQL starter for the tests and the benchmarks (simulators/stack/postgres.ts).
export { PG_BIN, startPostgres } from '../../simulators/stack/postgres.ts';
export type { Postgres } from '../../simulators/stack/postgres.ts';
