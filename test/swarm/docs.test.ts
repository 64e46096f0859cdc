/**
 * docs/swarm.md's example is examples/swarm/service.ts, word for word, and it runs against the
 * swarm (the package imports pointed at the sources, so no build is needed).
 */
import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { swarmImage, swarmNodeHosts, swarmRegistryAuth } from "./swarm-env.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EXAMPLE = "examples/swarm/service.ts";

describe("docs/swarm.md", () => {
  it("shows examples/swarm/service.ts as it is", () => {
    const doc = readFileSync(`${ROOT}docs/swarm.md`, "utf8");
    const block = new RegExp(`<!-- example: ${EXAMPLE} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\n<!-- /example -->`).exec(doc);
    expect(block?.[1]).toBe(readFileSync(`${ROOT}${EXAMPLE}`, "utf8"));
  });

  it("its example runs on the swarm", async () => {
    const source = readFileSync(`${ROOT}${EXAMPLE}`, "utf8")
      .replace('from "berth-docker/v1.41"', `from "${ROOT}src/versions/v1.41.ts"`)
      .replace('from "berth-docker"', `from "${ROOT}src/index.ts"`);
    const file = `${ROOT}test/swarm/.docs-example-${process.pid}.ts`;
    writeFileSync(file, source);
    try {
      const auth = swarmRegistryAuth();
      const env = {
        ...process.env,
        DOCKER_HOST: swarmNodeHosts()[0],
        SWARM_IMAGE: swarmImage(),
        SWARM_REGISTRY_USER: auth.username,
        SWARM_REGISTRY_PASSWORD: auth.password,
      };
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ["--import", "tsx", file], { env, timeout: 150_000 }, (error, out, err) =>
          error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
        ),
      );
      expect(stdout).toMatch(/^converged: slot 1 on \w+, slot 2 on \w+, slot 3 on \w+$/m);
      expect(stdout).toMatch(/^scaled to 1$/m);
      expect(stdout).toMatch(/^log: task \w+ node \w+: hello from slot 1$/m);
      expect(stdout.trim().endsWith("removed")).toBe(true);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
