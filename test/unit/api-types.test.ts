/**
 * Type-level checks of the default low-level client (`createDockerApi<paths>().api`): the
 * `@ts-expect-error` lines fail `tsc` (run by `npm test`) if a misspelled name ever compiles.
 */
import { describe, expectTypeOf, it } from "vitest";
import type { paths } from "../../generated/v1.10/index.js";
import { createDockerApi } from "../../src/index.js";
import { fetchTransport } from "../helpers/fake-daemon.js";

describe("createDockerApi<paths>().api types", () => {
  it("types answers from the spec and refuses misspelled parameters and body fields", () => {
    const docker = createDockerApi<paths>({ transport: fetchTransport(), preferredVersion: "1.10", apiVersion: "1.12" });
    const compileOnly = () => {
      void docker.api.GET("/containers/{id}/json", { params: { path: { id: "x" } } }).then(({ data }) => {
        expectTypeOf(data!.Id).toEqualTypeOf<string | undefined>();
      });
      void docker.api.POST("/containers/create", { body: { Image: "busybox", Cmd: ["true"] } });
      // @ts-expect-error a misspelled body field next to a valid one (openapi-fetch alone lets this through)
      void docker.api.POST("/containers/create", { body: { Image: "busybox", Cmnd: ["true"] } });
      // @ts-expect-error a misspelled query parameter next to a valid one
      void docker.api.GET("/containers/json", { params: { query: { all: true, limt: 5 } } });
      // @ts-expect-error a path the spec does not have
      void docker.api.GET("/containers/{id}/jsn", { params: { path: { id: "x" } } });
      // @ts-expect-error a query parameter of the wrong type
      void docker.api.GET("/containers/json", { params: { query: { all: "yes" } } });
    };
    expectTypeOf(compileOnly).toBeFunction();
  });
});
