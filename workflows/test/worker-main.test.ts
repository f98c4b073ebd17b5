import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client, Connection } from "@temporalio/client";
import { BOOTSTRAP_WORKFLOW_TYPE } from "@org-bootstrap/shared/workflow-contract.ts";
import { stackEnv } from "../../supabase/local/test/support/env.ts";
import { freePort } from "../../supabase/local/src/net.ts";
import { readLocalDnsRecords, readLocalEmails } from "../src/providers/local-outbox.ts";
import { bootstrapStartOptions } from "../src/worker/start-options.ts";
import { createServiceClient } from "../src/worker/supabase-client.ts";
import { logLine, logLines } from "./support/log-lines.ts";
import { initiateBootstrap, organizationRow, tempOutbox } from "./support/workflow-harness.ts";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const MAIN = path.join(REPO_ROOT, "workflows/src/worker/main.ts");

interface Spawned {
  readonly child: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

const started: Spawned[] = [];
after(() => { for (const s of started) if (s.child.exitCode === null) s.child.kill("SIGKILL"); });

function startMain(env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
  const spawned: Spawned = {
    child,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))),
  };
  child.stdout.on("data", (chunk: Buffer) => { spawned.stdout += chunk; });
  child.stderr.on("data", (chunk: Buffer) => { spawned.stderr += chunk; });
  started.push(spawned);
  return spawned;
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let client: Client;
let connection: Connection;
before(async () => {
  connection = await Connection.connect({ address: stackEnv().temporalAddress });
  client = new Client({ connection, namespace: stackEnv().temporalNamespace });
});
after(async () => { await connection?.close(); });

test("worker main: starts in local mode, runs a bootstrap end to end, and exits 0 on SIGTERM", async () => {
  const outbox = tempOutbox();
  const taskQueue = `test-worker-main-${randomUUID()}`;
  // Reconciler off: it would start this test's bootstrap itself, on the shared queue, before the test does
  // (its own suites are workflows/test/reconciler-*.test.ts). Any free port for /healthz etc.
  const worker = startMain({
    WORKFLOW_MODE: "local", LOCAL_OUTBOX_DIR: outbox, TEMPORAL_TASK_QUEUE: taskQueue, NODE_ENV: "test", RECONCILER_ENABLED: "false", WORKER_HTTP_PORT: "0",
  });
  await until("the worker to poll", () => logLine(worker.stdout, "worker polling") !== undefined || worker.child.exitCode !== null, 120_000);
  const polling = logLine(worker.stdout, "worker polling");
  assert.deepEqual({ taskQueue: polling?.taskQueue, mode: polling?.mode, outboxDir: polling?.outboxDir }, { taskQueue, mode: "local", outboxDir: outbox }, worker.stderr);
  assert.ok(!worker.stdout.includes(stackEnv().serviceRoleKey) && !worker.stderr.includes(stackEnv().serviceRoleKey), "the key is never logged");

  const supabase = createServiceClient(stackEnv().supabaseUrl, stackEnv().serviceRoleKey);
  const input = await initiateBootstrap(supabase);
  const handle = await client.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, bootstrapStartOptions(input, "realtime", taskQueue));
  const result = await handle.result();
  assert.equal(result.organizationId, input.organizationId);
  assert.equal((await organizationRow(supabase, input.organizationId)).status, "active");
  assert.equal(readLocalEmails(outbox).length, input.request.admins.length);
  assert.equal(readLocalDnsRecords(outbox).size, 1);

  worker.child.kill("SIGTERM");
  const code = await worker.exited;
  assert.equal(code, 0, worker.stderr);
  assert.deepEqual(logLines(worker.stdout).slice(-2).map((line) => [line.msg, line.signal]), [
    ["worker draining: finishing in-flight tasks, then exiting", "SIGTERM"],
    ["worker stopped", undefined],
  ]);
});

test("worker main: a rejected service_role key stops it at startup with the fix", async () => {
  const worker = startMain({ WORKFLOW_MODE: "local", SUPABASE_SERVICE_ROLE_KEY: `${"x".repeat(30)}.not-a-key` });
  assert.equal(await worker.exited, 1);
  assert.match(worker.stderr, /✖ Supabase at .* rejected SUPABASE_SERVICE_ROLE_KEY \(HTTP 401\)\n {2}fix: use the project's service_role key/);
});

test("worker main: an unreachable Temporal stops it at startup with the fix", async () => {
  const worker = startMain({ WORKFLOW_MODE: "local", TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
  assert.equal(await worker.exited, 1);
  assert.match(worker.stderr, /✖ cannot connect to Temporal at 127\.0\.0\.1:\d+: .*\n {2}fix: start it \(`npm start`\) or fix TEMPORAL_ADDRESS/);
});
