import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { DomainEventRow } from "@org-bootstrap/shared/events/index.ts";
import { bootstrapInputFromEvent } from "@org-bootstrap/shared/bootstrap-input.ts";
import { BOOTSTRAP_WORKFLOW_TYPE } from "@org-bootstrap/shared/workflow-contract.ts";
import { stackEnv } from "../../supabase/local/test/support/env.ts";
import { WorkflowEnsurer } from "../src/reconciler/ensure.ts";
import { memoryLog } from "../src/reconciler/log.ts";
import { ReconcilerMetrics } from "../src/reconciler/metrics.ts";
import { workflowStartedRecorder } from "../src/reconciler/record-started.ts";
import { temporalStarter } from "../src/reconciler/starter.ts";
import { bootstrapStartOptions } from "../src/worker/start-options.ts";
import pg from "pg";
import { eventsOf, invitationRows, openHarness, organizationRow, type Harness } from "./support/workflow-harness.ts";
import {
  deleteSchedule, describeRun, eventually, realtimeFault, reconcilerConfig, recordBootstrap, startReconcilingWorker,
  workflowExists, workflowStartedRecords, type ReconcilingWorker,
} from "./support/reconciler.ts";

const env = stackEnv();
const stack = { supabaseUrl: env.supabaseUrl, serviceRoleKey: env.serviceRoleKey, temporalAddress: env.temporalAddress, temporalNamespace: env.temporalNamespace };
let harness: Harness;
let worker: ReconcilingWorker;

before(async () => {
  harness = await openHarness();
  // Only Realtime and the catch-up act here: the scheduled sweep waits an hour and leaves anything younger alone.
  worker = await startReconcilingWorker(reconcilerConfig(stack, { RECONCILE_INTERVAL: "1h", RECONCILE_GRACE: "1h", CANARY_ENABLED: "false" }), harness.bundle);
  // Bootstraps left without a workflow by earlier suites are started now, not during the timed tests.
  await worker.process.reconciler!.catchUp();
});

after(async () => {
  await worker?.stop();
  if (worker) await deleteSchedule(harness.client, worker.config.reconciler.scheduleId);
  await harness?.close();
});

async function storedRow(organizationId: string): Promise<DomainEventRow> {
  const [row] = await eventsOf(harness.supabase, organizationId);
  assert.ok(row, "the initiated event is stored");
  return row;
}

test("realtime rescue: a bootstrap recorded without a direct start gets its workflow within 1 s, started by realtime", async () => {
  assert.ok(worker.log.lines.some((l) => l.includes("✅ Subscribed to workflow events via Supabase Realtime")), worker.log.lines.join("\n"));
  const startedBefore = await worker.metric("workflows_started_total", { trigger: "organization-bootstrap", path: "realtime" });

  const recordedAt = Date.now();
  const bootstrap = await recordBootstrap(harness.supabase);
  await eventually("the workflow to exist", async () => ((await workflowExists(harness.client, bootstrap.workflowId)) ? true : undefined), 5_000);
  const elapsed = Date.now() - recordedAt;
  assert.ok(elapsed < 1000, `the workflow started ${elapsed} ms after the event was recorded (limit 1000 ms)`);

  const run = await describeRun(harness.client, bootstrap.workflowId);
  assert.equal(run.memoStartedBy, "realtime");
  assert.equal(run.searchStartedBy, "realtime");
  const record = await eventually("the workflow_started event", async () =>
    (await workflowStartedRecords(env.dbUrl, [bootstrap.organizationId])).get(bootstrap.organizationId), 5_000);
  assert.deepEqual({ count: record.count, startedBy: record.startedBy, runId: record.runId }, { count: 1, startedBy: "realtime", runId: run.runId });
  assert.equal(await worker.metric("workflows_started_total", { trigger: "organization-bootstrap", path: "realtime" }), startedBefore + 1);
  assert.ok(worker.log.lines.some((l) => l.includes(`started ${bootstrap.workflowId} path=realtime`)));
});

test("a completed or failed bootstrap is never started again, by the realtime or the sweep path", async () => {
  // Completed: a bootstrap the worker ran to the end.
  const done = await recordBootstrap(harness.supabase);
  await eventually("the workflow to exist", async () => ((await workflowExists(harness.client, done.workflowId)) ? true : undefined), 5_000);
  await harness.client.workflow.getHandle(done.workflowId).result();
  const completed = await describeRun(harness.client, done.workflowId);
  assert.equal(completed.status, "COMPLETED");

  // Failed: recorded while Realtime is silent, then started with an input that does not match its id.
  await realtimeFault(stack, "pause");
  let failedBootstrap;
  try {
    failedBootstrap = await recordBootstrap(harness.supabase);
    const input = bootstrapInputFromEvent(await storedRow(failedBootstrap.organizationId));
    const handle = await harness.client.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, {
      ...bootstrapStartOptions(input, "edge"),
      args: [{ ...input, organizationId: randomUUID() }],
    });
    await assert.rejects(handle.result(), /WorkflowFailedError|Workflow execution failed/);
  } finally {
    await realtimeFault(stack, "resume");
  }
  const failed = await describeRun(harness.client, failedBootstrap.workflowId);
  assert.equal(failed.status, "FAILED");

  // The reconciler's own ensure, with the real Temporal and Supabase clients.
  const metrics = new ReconcilerMetrics({ defaultMetrics: false });
  const ensurer = new WorkflowEnsurer({ starter: temporalStarter(harness.client), record: workflowStartedRecorder(harness.supabase), metrics, log: memoryLog() });
  for (const [bootstrap, before] of [[done, completed], [failedBootstrap, failed]] as const) {
    const row = await storedRow(bootstrap.organizationId);
    const viaRealtime = await ensurer.ensure(row, "realtime");
    const viaSweep = await ensurer.ensure(row, "sweep");
    assert.equal(viaRealtime.kind, "already_started");
    assert.equal(viaSweep.kind, "already_started");
    assert.equal(viaSweep.kind === "already_started" ? viaSweep.runId : undefined, before.runId);
    const after = await describeRun(harness.client, bootstrap.workflowId);
    assert.deepEqual(after, before, "same run, same status: nothing was started again");
  }
  // The failed run never recorded its start (it failed before its first activity): the sweep path did,
  // naming the starter from the run's memo.
  const records = await workflowStartedRecords(env.dbUrl, [done.organizationId, failedBootstrap.organizationId]);
  assert.deepEqual(
    [records.get(done.organizationId)?.count, records.get(failedBootstrap.organizationId)],
    [1, { organizationId: failedBootstrap.organizationId, count: 1, startedBy: "edge", runId: failed.runId }],
  );
});

test("reconnect: when the stack drops the Realtime socket, the worker resubscribes, says so once, and handles later events", async () => {
  const reconnectsBefore = await worker.metric("realtime_reconnects_total");
  const linesBefore = worker.log.lines.length;
  await realtimeFault(stack, "drop");
  await eventually("the resubscribe", async () => ((await worker.metric("realtime_reconnects_total")) > reconnectsBefore ? true : undefined), 15_000);
  const lines = worker.log.lines.slice(linesBefore);
  assert.equal(lines.filter((l) => /Realtime channel (CHANNEL_ERROR|CLOSED|TIMED_OUT).*resubscribing with backoff/.test(l)).length, 1, lines.join("\n"));
  assert.equal(lines.filter((l) => l.includes("✅ Realtime resubscribed after")).length, 1, lines.join("\n"));
  assert.equal(await worker.metric("realtime_state", { state: "subscribed" }), 1);

  const recordedAt = Date.now();
  const bootstrap = await recordBootstrap(harness.supabase);
  await eventually("the workflow to exist", async () => ((await workflowExists(harness.client, bootstrap.workflowId)) ? true : undefined), 5_000);
  const elapsed = Date.now() - recordedAt;
  assert.ok(elapsed < 1000, `started ${elapsed} ms after recording`);
  assert.equal((await describeRun(harness.client, bootstrap.workflowId)).memoStartedBy, "realtime");
});

test("the second trigger: a deactivation written in SQL (no edge function) gets its workflow through Realtime, and the organization ends deactivated", async () => {
  const startedBefore = await worker.metric("workflows_started_total", { trigger: "organization-deactivate", path: "realtime" });
  const bootstrap = await recordBootstrap(harness.supabase);
  await eventually("the bootstrap (started by Realtime) to activate the organization", async () =>
    ((await organizationRow(harness.supabase, bootstrap.organizationId)).status === "active" ? true : undefined), 20_000);

  // What a person with psql would write: the event only.
  const db = new pg.Client({ connectionString: env.dbUrl });
  await db.connect();
  try {
    await db.query(
      "select public.emit_domain_event($1::uuid, 'organization', 'organization.deactivation.requested', $2::jsonb, $3::jsonb)",
      [bootstrap.organizationId, JSON.stringify({ reason: "requested with psql" }), JSON.stringify({ source: "test-sql" })],
    );
  } finally {
    await db.end();
  }
  const deactivated = await eventually("the organization to be deactivated", async () => {
    const row = await organizationRow(harness.supabase, bootstrap.organizationId);
    return row.status === "deactivated" ? row : undefined;
  }, 20_000);
  assert.deepEqual([deactivated.deactivation_reason, deactivated.deactivation_started_by], ["requested with psql", "realtime"]);
  const deactivation = harness.client.workflow.getHandle(`org-deactivate-${bootstrap.organizationId}`);
  assert.deepEqual(await deactivation.result(), { organizationId: bootstrap.organizationId, revokedInvitations: 1, dnsRecordRemoved: true });
  assert.equal((await describeRun(harness.client, deactivation.workflowId)).memoStartedBy, "realtime");
  assert.ok((await invitationRows(harness.supabase, bootstrap.organizationId)).every((i) => i.status === "revoked"));
  assert.equal(await worker.metric("workflows_started_total", { trigger: "organization-deactivate", path: "realtime" }), startedBefore + 1);
});

test("/healthz, /readyz and /metrics report the worker, Temporal and Realtime", async () => {
  const base = worker.process.httpUrl;
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: "ok" });

  const ready = await fetch(`${base}/readyz`);
  assert.equal(ready.status, 200);
  const body = (await ready.json()) as Record<string, any>;
  assert.equal(body.status, "ready");
  assert.equal(body.worker, "RUNNING");
  assert.equal(body.temporal, "connected");
  assert.equal(body.reconciler.realtime.state, "subscribed");
  assert.equal(body.reconciler.schedule.id, worker.config.reconciler.scheduleId);
  // The catch-up after the reconnect above, or a Schedule sweep since: either way a sweep ran and succeeded.
  assert.ok(["catch_up", "schedule"].includes(body.reconciler.lastSweep.kind), JSON.stringify(body.reconciler.lastSweep));
  assert.equal(body.reconciler.lastSweep.outcome, "ok");

  const metrics = await fetch(`${base}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await metrics.text();
  for (const name of [
    "workflows_started_total", "workflows_already_started_total", "workflow_reconcile_lag_seconds", "reconciler_sweeps_total", "realtime_state",
    "realtime_reconnects_total", "realtime_canary_roundtrip_seconds", "realtime_canary_misses_total",
  ]) {
    assert.match(text, new RegExp(`^# TYPE ${name} `, "m"), name);
  }
  // Three rescues in the tests above (one after the reconnect).
  assert.ok((await worker.metric("workflows_started_total", { trigger: "organization-bootstrap", path: "realtime" })) >= 3);
  assert.equal(await worker.metric("workflow_ensure_errors_total", { trigger: "organization-bootstrap", path: "realtime" }), 0);
  assert.ok(!text.includes(env.serviceRoleKey), "no secret in the metrics");
});
