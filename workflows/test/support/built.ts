/**
 * For the build and deploy suites: `npm run build` once per test run, and the built worker and
 * proxy started as processes with exactly the environment a container would give them.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ARTIFACTS, REPO_ROOT } from "../../scripts/artifacts.ts";

/**
 * Builds into the test stack's folder (not workflows/dist, which a person may be using), once per
 * `npm test` run: suites run one after another, and the marker is written after a complete build.
 */
export function builtArtifacts(): string {
  const stackDir = process.env.LOCAL_STACK_DIR;
  assert.ok(stackDir, "LOCAL_STACK_DIR is not set: run tests through `npm test`");
  const outDir = path.join(stackDir, "dist");
  const marker = path.join(outDir, ".complete");
  if (fs.existsSync(marker)) return outDir;
  const result = spawnSync("npm", ["run", "-s", "build", "--", "--outdir", outDir], { cwd: REPO_ROOT, encoding: "utf8", timeout: 300_000 });
  assert.equal(result.status, 0, `npm run build failed:\n${result.stdout}\n${result.stderr}`);
  for (const file of Object.values(ARTIFACTS)) assert.ok(fs.existsSync(path.join(outDir, file)), `the build did not write ${file}`);
  fs.writeFileSync(marker, result.stdout);
  return outDir;
}

export interface BuiltProcess {
  /** The URL the process announced (the proxy's listener, the worker's HTTP server). */
  readonly url: string;
  output(): string;
  /** SIGTERM, then the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Runs `node --enable-source-maps <file>` (the Dockerfiles' CMD) from an empty working directory
 * with only PATH and `env`, and resolves once `ready` matches its output (group 1: its URL).
 */
export function startBuilt(file: string, env: Record<string, string>, ready: RegExp, timeoutMs = 60_000): Promise<BuiltProcess> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "built-"));
  const child = spawn(process.execPath, ["--enable-source-maps", file], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) =>
    child.once("close", (code) => {
      fs.rmSync(cwd, { recursive: true, force: true });
      resolve(code);
    }));
  const stop = async (graceMs = 30_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    }
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop(1_000);
      reject(new Error(`${path.basename(path.dirname(file))} was not ready within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = ready.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout.off("data", onData);
      child.stderr.off("data", onData);
      child.stdout.on("data", (more: Buffer) => (output += more.toString("utf8")));
      child.stderr.on("data", (more: Buffer) => (output += more.toString("utf8")));
      resolve({ url: match[1] ?? "", output: () => output, stop });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with code ${code} before it was ready:\n${output}`));
    });
  });
}

/** The proxy's log line once it listens (shared/src/log-line.ts: `msg` comes before the other fields). */
export const PROXY_READY = /"msg":"proxy listening".*?"url":"(http:\/\/[^"]+)"/;
/** main.ts logs this once the worker polls and its HTTP server listens. */
export const WORKER_READY = /"msg":"worker HTTP listening".*?"url":"(http:\/\/[^"]+)"/;

/** The built proxy on a free port, forwarding to the test stack's Temporal. */
export function startBuiltProxy(outDir: string, token: string): Promise<BuiltProcess> {
  return startBuilt(
    path.join(outDir, ARTIFACTS.proxy),
    {
      TEMPORAL_ADDRESS: required("TEMPORAL_ADDRESS"),
      TEMPORAL_NAMESPACE: required("TEMPORAL_NAMESPACE"),
      TEMPORAL_PROXY_TOKEN: token,
      TEMPORAL_PROXY_PORT: "0",
    },
    PROXY_READY,
  );
}

/** The built worker in local mode on the test stack, loading the prebuilt workflow bundle; `env` on top. */
export function startBuiltWorker(outDir: string, outbox: string, env: Record<string, string> = {}): Promise<BuiltProcess> {
  return startBuilt(
    path.join(outDir, ARTIFACTS.worker),
    {
      SUPABASE_URL: required("SUPABASE_URL"),
      SUPABASE_SERVICE_ROLE_KEY: required("SUPABASE_SERVICE_ROLE_KEY"),
      TEMPORAL_ADDRESS: required("TEMPORAL_ADDRESS"),
      TEMPORAL_NAMESPACE: required("TEMPORAL_NAMESPACE"),
      WORKFLOW_MODE: "local",
      LOCAL_OUTBOX_DIR: outbox,
      NODE_ENV: "test",
      WORKER_HTTP_PORT: "0",
      WORKFLOW_BUNDLE_PATH: path.join(outDir, ARTIFACTS.workflowBundle),
      ...env,
    },
    WORKER_READY,
    120_000,
  );
}

export function required(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} is not set: run tests through \`npm test\``);
  return value;
}

export { eventually } from "./eventually.ts";
