/**
 * The proxy as a process (workflows/src/proxy/main.ts): a bad environment is refused
 * with one message listing every problem, a good one listens, and SIGTERM stops it cleanly.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { stackEnv } from "../../supabase/local/test/support/env.ts";
import { logLine, logLines } from "./support/log-lines.ts";

const MAIN = fileURLToPath(new URL("../src/proxy/main.ts", import.meta.url));
const REPO_ROOT = path.resolve(path.dirname(MAIN), "../../..");

function runMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
  child.stdout.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
  const exited = once(child, "exit").then(([code]) => code as number | null);
  return { child, exited, stderr: () => stderr, stdout: () => stdout };
}

test("a bad environment is refused with one message naming every problem and its fix", async () => {
  const shortToken = "tooshort-secret";
  const run = runMain({
    TEMPORAL_ADDRESS: "http://127.0.0.1:7233",
    TEMPORAL_PROXY_TOKEN: shortToken,
    TEMPORAL_PROXY_PORT: "eighty",
    TEMPORAL_TLS_CERT: "/nonexistent/client.pem",
  });
  assert.equal(await run.exited, 1);
  const lines = run.stderr().trimEnd().split("\n");
  assert.match(lines[0]!, /^✖ the Temporal proxy cannot start: 6 problems in its environment$/);
  const problems = lines.slice(1).join("\n");
  assert.match(problems, /TEMPORAL_ADDRESS: not host:port: use e\.g\. 127\.0\.0\.1:7233/);
  assert.match(problems, /TEMPORAL_NAMESPACE: missing: /);
  assert.match(problems, /TEMPORAL_PROXY_TOKEN: too short: use at least 32 random characters/);
  assert.match(problems, /TEMPORAL_PROXY_PORT: not a port number/);
  assert.match(problems, /TEMPORAL_TLS_CERT: no such file/);
  assert.match(problems, /TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: set both \(mTLS\) or neither/);
  assert.ok(!run.stderr().includes(shortToken), "the token's value is never printed");
  assert.ok(!run.stderr().includes("    at "), "no stack trace");
});

test("a good environment listens; SIGTERM stops the process cleanly", async () => {
  const run = runMain({
    TEMPORAL_ADDRESS: stackEnv().temporalAddress,
    TEMPORAL_NAMESPACE: stackEnv().temporalNamespace,
    TEMPORAL_PROXY_TOKEN: randomBytes(32).toString("hex"),
    TEMPORAL_PROXY_PORT: "0",
  });
  try {
    const deadline = Date.now() + 20_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline && run.child.exitCode === null) {
      url = logLine(run.stdout(), "proxy listening")?.url?.toString();
      if (!url) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(url, `the proxy logged its URL: ${run.stdout()}${run.stderr()}`);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    run.child.kill("SIGTERM");
    assert.equal(await run.exited, 0);
    assert.deepEqual(logLines(run.stdout()).map((line) => line.msg).slice(-2), ["proxy stopping: finishing calls in flight", "proxy stopped"]);
  } finally {
    if (run.child.exitCode === null) run.child.kill("SIGKILL");
  }
});
