/**
 * The worker entry point `npm start` runs (workflows/src/worker/main.ts), as a child process with the
 * stack's worker environment: it runs the reconciler and the HTTP server, and stops cleanly.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client, Connection } from "@temporalio/client";
import { workerEnv } from "../../supabase/local/src/stack.ts";
import { stackEnv } from "../../supabase/local/test/support/env.ts";
import { createServiceClient } from "../src/worker/supabase-client.ts";
import { logLine, logLines } from "./support/log-lines.ts";
import { deleteSchedule, describeRun, eventually, recordBootstrap, terminateRuns, workflowExists } from "./support/reconciler.ts";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const MAIN = path.join(REPO_ROOT, "workflows/src/worker/main.ts");
const env = stackEnv();
const scheduleId = `test-reconcile-main-${randomUUID()}`;
const cleanups: Array<() => Promise<void>> = [];
after(async () => { for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined); });

test("worker main runs the reconciler: subscribes, serves /healthz /readyz /metrics, rescues a bootstrap, exits 0 on SIGTERM", async () => {
  const base = workerEnv({
    SUPABASE_URL: env.supabaseUrl,
    SUPABASE_SERVICE_ROLE_KEY: env.serviceRoleKey,
    TEMPORAL_ADDRESS: env.temporalAddress,
    TEMPORAL_NAMESPACE: env.temporalNamespace,
  } as Parameters<typeof workerEnv>[0], env.dataDir);
  // Exactly the stack's worker environment, plus a free HTTP port and a Schedule of its own.
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", ...base, WORKER_HTTP_PORT: "0", RECONCILE_SCHEDULE_ID: scheduleId },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => { stdout += chunk; });
  child.stderr.on("data", (chunk: Buffer) => { stderr += chunk; });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  cleanups.push(async () => { if (child.exitCode === null) child.kill("SIGKILL"); });

  const connection = await Connection.connect({ address: env.temporalAddress });
  const client = new Client({ connection, namespace: env.temporalNamespace });
  cleanups.push(() => connection.close());
  cleanups.push(() => deleteSchedule(client, scheduleId));

  const httpUrl = await eventually("the worker HTTP line", () => (logLine(stdout, "worker HTTP listening")?.url ?? (child.exitCode !== null ? "" : undefined)), 120_000);
  assert.equal(child.exitCode, null, stderr);
  assert.equal(typeof httpUrl, "string");
  const subscribed = logLine(stdout, "✅ Subscribed to workflow events via Supabase Realtime");
  assert.deepEqual({ channel: subscribed?.channel, filter: subscribed?.filter }, {
    channel: "workflow_events", filter: "event_type=in.(organization.bootstrap.initiated,organization.deactivation.requested)",
  }, "one binding for every declared trigger");
  const schedule = logLine(stdout, `created Schedule ${scheduleId}`);
  assert.deepEqual({ every: schedule?.every, grace: schedule?.grace }, { every: "30s", grace: "10s" }, "documented defaults");

  assert.equal((await fetch(`${httpUrl}/healthz`)).status, 200);
  const ready = await fetch(`${httpUrl}/readyz`);
  assert.equal(ready.status, 200, await ready.clone().text());
  const body = (await ready.json()) as { worker: string; reconciler: { canary: { enabled: boolean } } };
  assert.equal(body.worker, "RUNNING");
  assert.equal(body.reconciler.canary.enabled, true, "the canary is on by default locally");

  const supabase = createServiceClient(env.supabaseUrl, env.serviceRoleKey);
  cleanups.push(async () => { await supabase.removeAllChannels(); });
  const bootstrap = await recordBootstrap(supabase);
  cleanups.push(() => terminateRuns(client, [bootstrap.workflowId]));
  await eventually("the rescue", async () => ((await workflowExists(client, bootstrap.workflowId)) ? true : undefined), 5_000);
  assert.equal((await describeRun(client, bootstrap.workflowId)).memoStartedBy, "realtime");
  assert.match(await (await fetch(`${httpUrl}/metrics`)).text(), /^workflows_started_total\{trigger="organization-bootstrap",path="realtime"\} [1-9]/m);
  assert.ok(!stdout.includes(env.serviceRoleKey) && !stderr.includes(env.serviceRoleKey), "the key is never logged");

  child.kill("SIGTERM");
  assert.equal(await exited, 0, stderr);
  assert.deepEqual(logLines(stdout).slice(-2).map((line) => [line.msg, line.signal]), [
    ["worker draining: finishing in-flight tasks, then exiting", "SIGTERM"],
    ["worker stopped", undefined],
  ]);
});
