/**
 * The Dockerfiles against the build (no Docker engine here): every file the runtime image runs or
 * points at is one `npm run build` produces, the runtime stage is non-root Node LTS with production
 * dependencies only, and the ports and settings agree with the Kubernetes manifests.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import { DEFAULT_OUT_DIR, REPO_ROOT, WORKFLOWS_DIR } from "../scripts/artifacts.ts";
import { builtArtifacts } from "./support/built.ts";
import { all, last, parseDockerfile, type Stage } from "./support/dockerfile.ts";
import { projectNodeMajor } from "./support/project-node.ts";

/** `ENV A=1 B=2` → {A: "1", B: "2"}. */
function envOf(stage: Stage): Record<string, string> {
  return Object.fromEntries(all(stage, "ENV").flatMap((i) => i.args.split(/\s+/).map((pair) => pair.split("=") as [string, string])));
}

/**
 * Where a path inside the runtime image comes from in the repository: follows the runtime stage's
 * `COPY --from=build <src> <dest>` back into the build stage (WORKDIR /app = the repository root)
 * and maps the build's output folder (workflows/dist) onto `outDir`.
 */
function sourceOf(runtime: Stage, imagePath: string, outDir: string): string | undefined {
  const workdir = last(runtime, "WORKDIR") ?? "/";
  const absolute = path.posix.resolve(workdir, imagePath);
  for (const copy of all(runtime, "COPY")) {
    const match = /^--from=build\s+(\S+)\s+(\S+)$/.exec(copy.args);
    if (!match) continue;
    const dest = path.posix.resolve(workdir, match[2]!);
    if (absolute !== dest && !absolute.startsWith(`${dest}/`)) continue;
    const inRepo = path.posix.relative("/app", match[1]!) + absolute.slice(dest.length);
    const relativeToDist = path.relative(DEFAULT_OUT_DIR, path.join(REPO_ROOT, inRepo));
    assert.ok(!relativeToDist.startsWith(".."), `${imagePath} comes from the build output (${inRepo})`);
    return path.join(outDir, relativeToDist);
  }
  return undefined;
}

const containerPort = (deployment: string) => {
  const doc = yaml.loadAll(fs.readFileSync(path.join(WORKFLOWS_DIR, "deploy/k8s", `${deployment}-deployment.yaml`), "utf8"))[0] as any;
  return doc.spec.template.spec.containers[0].ports[0].containerPort as number;
};

for (const [service, deployment] of [["worker", "worker"], ["proxy", "proxy"]] as const) {
  describe(`workflows/Dockerfile.${service}`, () => {
    const file = path.join(WORKFLOWS_DIR, `Dockerfile.${service}`);
    const stages = parseDockerfile(file);
    const build = stages.find((s) => s.name === "build");
    const runtime = stages.at(-1)!;
    let outDir: string;
    before(() => {
      outDir = builtArtifacts();
    });

    test("multi-stage: the build stage runs `npm ci` and `npm run build`'s script; every stage runs the project's Node major, slim, and the runtime is non-root", () => {
      assert.ok(build && stages.length >= 2, "a build stage and a separate runtime stage");
      const buildScript = /\S+\.ts$/.exec(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts.build)?.[0];
      assert.deepEqual(all(build, "RUN").map((r) => r.args.split(/\s+/)[0] === "npm" ? r.args.split(/\s+/).slice(0, 2).join(" ") : r.args), ["npm ci", `node --import tsx ${buildScript}`]);
      for (const stage of stages) assert.equal(stage.from, `node:${projectNodeMajor()}-bookworm-slim`, "the Node major the tests run on, Debian slim");
      assert.equal(last(runtime, "USER"), "node");
      assert.equal(envOf(runtime).NODE_ENV, "production");
      // What the runtime installs, it installs without devDependencies.
      for (const run of stages.filter((s) => s !== build).flatMap((s) => all(s, "RUN"))) {
        if (/\bnpm (ci|install)\b/.test(run.args)) assert.match(run.args, /--omit=dev/);
      }
    });

    test("CMD runs a file `npm run build` produces, with source maps; EXPOSE is the Deployment's containerPort", () => {
      const cmd = JSON.parse(last(runtime, "CMD") ?? "null") as string[];
      assert.deepEqual(cmd.slice(0, 2), ["node", "--enable-source-maps"], "exec form, source-mapped stack traces");
      const built = sourceOf(runtime, cmd[2]!, outDir);
      assert.ok(built && fs.existsSync(built), `CMD's ${cmd[2]} is copied from the build output and exists after a build`);
      assert.equal(Number(last(runtime, "EXPOSE")), containerPort(deployment));
    });

    if (service === "worker") {
      test("WORKFLOW_BUNDLE_PATH points at the prebuilt workflow bundle; node_modules come from a production-only install", () => {
        const bundle = envOf(runtime).WORKFLOW_BUNDLE_PATH;
        assert.ok(bundle, "the image sets WORKFLOW_BUNDLE_PATH");
        const built = sourceOf(runtime, bundle, outDir);
        assert.ok(built && fs.existsSync(built), `${bundle} exists after a build`);
        const deps = stages.find((s) => s.name === "deps");
        assert.ok(deps, "a deps stage");
        assert.match(all(deps, "RUN").map((r) => r.args).join("\n"), /npm ci --omit=dev --workspace @org-bootstrap\/workflows/);
        assert.ok(all(runtime, "COPY").some((c) => /^--from=deps \/app\/node_modules node_modules$/.test(c.args)));
      });
    } else {
      test("the proxy's image holds its bundle only (no node_modules) and listens on all interfaces", () => {
        assert.deepEqual(all(runtime, "COPY").map((c) => c.args), ["--from=build /app/workflows/dist/proxy dist/proxy"]);
        assert.equal(envOf(runtime).TEMPORAL_PROXY_HOST, "0.0.0.0");
        assert.equal(Number(envOf(runtime).TEMPORAL_PROXY_PORT), containerPort(deployment));
      });
    }

    test("the build context (Dockerfile.*.dockerignore) holds what the build stage copies, and no local data", () => {
      const ignore = fs.readFileSync(`${file}.dockerignore`, "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
      assert.equal(ignore[0], "**", "everything is excluded unless listed");
      const included = ignore.filter((l) => l.startsWith("!")).map((l) => l.slice(1).replace(/\/\*\*$/, ""));
      for (const copy of all(build!, "COPY")) {
        const sources = copy.args.split(/\s+/).slice(0, -1);
        for (const source of sources) assert.ok(included.includes(source.replace(/\/$/, "")), `${source} is in the build context`);
        for (const source of sources) assert.ok(fs.existsSync(path.join(REPO_ROOT, source)), `${source} exists in the repository`);
      }
    });
  });
}
