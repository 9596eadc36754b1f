import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores on CI: real brokers, influxd and Chromium share them with the workers.
    maxWorkers: 2,
    pool: 'forks',
  },
});
