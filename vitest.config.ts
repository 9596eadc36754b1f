import { defineConfig } from 'vitest/config';

/** The heaviest real-process test (200 MQTT devices, SIGKILLed processes): run last, alone. */
const HEAVY = ['test/e2e/delivery-under-failure.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores on CI: real brokers, influxd and Chromium share them with the workers.
    maxWorkers: 2,
    pool: 'forks',
    // Groups run one after another: the end-to-end tests (real server and gateway processes,
    // generous functional bounds) do not compete with the rest of the suite for the two cores.
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], exclude: HEAVY, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'e2e-heavy', include: HEAVY, sequence: { groupOrder: 2 } } },
    ],
  },
});
