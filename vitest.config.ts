import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Integration tests start real servers and databases; two cores do not benefit from more forks.
    pool: 'forks',
    maxWorkers: 2,
  },
});
