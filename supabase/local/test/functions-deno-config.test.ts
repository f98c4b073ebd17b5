/**
 * A function with its own deno.json (`"nodeModulesDir": "manual"`, pinned npm: specifiers) resolves
 * its packages offline from the repo's node_modules under plain `deno run`, whatever the working
 * directory: the function folder (as `supabase functions serve` runs it), the repo root, or elsewhere.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DENO_BINARY, FUNCTIONS_DIR, REPO_ROOT } from "../src/paths.ts";

const FUNCTION_DIR = path.join(FUNCTIONS_DIR, "stack-check");

/** Runs stack-check with an empty Deno cache and network fetches forbidden; resolves once it serves. */
function serveOffline(cwd: string): Promise<string> {
  const denoDir = fs.mkdtempSync(path.join(os.tmpdir(), "deno-dir-"));
  const child = spawn(
    DENO_BINARY,
    ["run", "--cached-only", "--no-prompt", "--allow-net", "--allow-env", "--config", path.join(FUNCTION_DIR, "deno.json"), path.join(FUNCTION_DIR, "index.ts")],
    // DENO_SERVE_ADDRESS (honoured by Deno 2.9) picks a free port instead of the default 8000.
    { cwd, env: { PATH: process.env.PATH ?? "", HOME: os.homedir(), DENO_DIR: denoDir, NO_COLOR: "1", DENO_SERVE_ADDRESS: "tcp:127.0.0.1:0" } },
  );
  let output = "";
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not serving after 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (/Listening on http:\/\/127\.0\.0\.1:\d+/.test(output)) {
        clearTimeout(timer);
        child.kill();
        resolve(output);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`deno exited (${code}) before serving:\n${output}`));
    });
  }).finally(async () => {
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once("exit", r));
    fs.rmSync(denoDir, { recursive: true, force: true });
  });
}

for (const [label, cwd] of [["the function folder", FUNCTION_DIR], ["the repo root", REPO_ROOT], ["an unrelated folder", os.tmpdir()]] as const) {
  test(`stack-check's own deno.json resolves @supabase/supabase-js offline from the repo's node_modules (cwd: ${label})`, async () => {
    const output = await serveOffline(cwd);
    assert.doesNotMatch(output, /error/i);
  });
}
