import { defineConfig } from "vitest/config";

// Two projects: `unit` (pure, msw and in-process fake servers) and `integration` (the real
// daemon started by scripts/daemon.sh; see test/helpers/daemon.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/helpers/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // The daemon is one shared resource on a 2-core machine: one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
