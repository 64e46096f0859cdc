import { defineConfig } from "vitest/config";

// Three projects: `unit` (pure, msw and in-process fake servers), `integration` (the real
// daemon started by scripts/daemon.sh; see test/helpers/daemon.ts) and `swarm` (scripts/swarm.sh).
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
      {
        test: {
          // A real three-node swarm started by scripts/swarm.sh (test/swarm/swarm-env.ts).
          name: "swarm",
          include: ["test/swarm/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
