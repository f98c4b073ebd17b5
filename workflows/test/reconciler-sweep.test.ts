import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { bootstrapInputFromEvent } from "@org-bootstrap/shared/bootstrap-input.ts";
import { BOOTSTRAP_WORKFLOW_TYPE } from "@org-bootstrap/shared/workflow-contract.ts";
import { stackEnv } from "../../supabase/local/test/support/env.ts";
import { bootstrapStartOptions } from "../src/worker/start-options.ts";
import { eventsOf, openHarness, type Harness } from "./support/workflow-harness.ts";
import {
  deleteSchedule, describeRun, eventually, realtimeFault, reconcilerConfig, recordBootstrap, recordBootstrapsWithSql,
  startReconcilingWorker, terminateRuns, workflowExists, workflowStartedRecords, type ReconcilingWorker,
} from "./support/reconciler.ts";

const env = stackEnv();
const stack = { supabaseUrl: env.supabaseUrl, serviceRoleKey: env.serviceRoleKey, temporalAddress: env.temporalAddress, temporalNamespace: env.temporalNamespace };
const SCHEDULE_ENV = { RECONCILE_INTERVAL: "2s", RECONCILE_GRACE: "500ms", CANARY_ENABLED: "false" };
let harness: Harness;
const scheduleId = `test-reconcile-sweep-${randomUUID()}`;
const workers: ReconcilingWorker[] = [];
const workflowIds: string[] = [];

async function startWorker(): Promise<ReconcilingWorker> {
  const worker = await startReconcilingWorker(reconcilerConfig(stack, { ...SCHEDULE_ENV, RECONCILE_SCHEDULE_ID: scheduleId }), harness.bundle);
  workers.push(worker);
  return worker;
}

before(async () => {
  harness = await openHarness();
});

after(async () => {
  await realtimeFault(stack, "resume").catch(() => undefined);
  for (const worker of workers) await worker.stop();
  await deleteSchedule(harness.client, scheduleId);
  await terminateRuns(harness.client, workflowIds);
  await harness?.close();
});

test("sweep rescue: with Realtime silent too, the Schedule's next sweep starts every workflow, started by sweep", async () => {
  const worker = await startWorker();
  await worker.process.reconciler!.catchUp(); // what earlier suites left is not this test's business
  const startedBefore = await worker.metric("workflows_started_total", { trigger: "organization-bootstrap", path: "sweep" });
  await realtimeFault(stack, "pause");
  try {
    const recorded = await Promise.all([1, 2, 3].map(() => recordBootstrap(harness.supabase)));
    workflowIds.push(...recorded.map((b) => b.workflowId));
    // Interval 2 s + grace 0.5 s: every one is started within a few seconds, with Realtime delivering nothing.
    for (const bootstrap of recorded) {
      await eventually(`${bootstrap.workflowId} to exist`, async () => ((await workflowExists(harness.client, bootstrap.workflowId)) ? true : undefined), 10_000);
      const run = await describeRun(harness.client, bootstrap.workflowId);
      assert.equal(run.memoStartedBy, "sweep");
      assert.equal(run.searchStartedBy, "sweep");
    }
    const records = await workflowStartedRecords(env.dbUrl, recorded.map((b) => b.organizationId));
    for (const bootstrap of recorded) assert.deepEqual([records.get(bootstrap.organizationId)?.count, records.get(bootstrap.organizationId)?.startedBy], [1, "sweep"]);
    assert.equal(await worker.metric("workflows_started_total", { trigger: "organization-bootstrap", path: "sweep" }), startedBefore + 3);
    // The sweep counts itself when it returns, which is after its records land and its last page
    // read comes back empty (seen in CI: the records visible a moment before the count), so it is awaited.
    await eventually("the Schedule's sweep to count itself as done", async () =>
      ((await worker.metric("reconciler_sweeps_total", { sweep: "schedule", outcome: "ok" })) >= 1 ? true : undefined), 10_000);
    // The sweep that found them says how late they were: at least the grace period.
    assert.ok((await worker.metric("workflow_reconcile_lag_seconds", { trigger: "organization-bootstrap" })) >= 0);
  } finally {
    await realtimeFault(stack, "resume");
  }
  const schedule = await harness.client.schedule.getHandle(scheduleId).describe();
  assert.equal(schedule.action.workflowType, "reconcileBootstrapsWorkflow");
  assert.equal(schedule.policies.overlap, "SKIP");
  // The Schedule's own record of its actions can trail the sweep it ran (seen in CI: empty a moment
  // after the sweep's workflows existed), so it is awaited; with a 2 s interval one is due long before.
  await eventually("the Schedule to list a run among its recent actions (each sweep is a workflow run in the Web UI)", async () => {
    const { info } = await harness.client.schedule.getHandle(scheduleId).describe();
    return info.recentActions.length >= 1 ? true : undefined;
  }, 15_000);
});

test("the sweep records the start of a workflow that has none (the edge function died between its start and its record)", async () => {
  const worker = workers[0]!;
  await realtimeFault(stack, "pause");
  let bootstrap;
  let runId: string;
  const deadQueue = `test-nobody-polls-${randomUUID()}`;
  try {
    bootstrap = await recordBootstrap(harness.supabase);
    const [row] = await eventsOf(harness.supabase, bootstrap.organizationId);
    // Started as the edge function starts it, on a queue nobody polls: the run exists but never runs its
    // first activity (which would record the start itself).
    const handle = await harness.client.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, bootstrapStartOptions(bootstrapInputFromEvent(row!), "edge", deadQueue));
    runId = handle.firstExecutionRunId;
  } finally {
    await realtimeFault(stack, "resume");
  }
  try {
    const record = await eventually("the sweep to record the start", async () =>
      (await workflowStartedRecords(env.dbUrl, [bootstrap.organizationId])).get(bootstrap.organizationId), 10_000);
    assert.deepEqual(record, { organizationId: bootstrap.organizationId, count: 1, startedBy: "edge", runId });
    const run = await describeRun(harness.client, bootstrap.workflowId);
    assert.deepEqual([run.runId, run.status], [runId, "RUNNING"], "the run found is the run recorded; nothing new was started");
    assert.ok(worker.log.lines.some((l) => l.includes(`recorded the start of ${bootstrap.workflowId}`) && l.includes("startedBy=edge")), worker.log.lines.join("\n"));
  } finally {
    await harness.client.workflow.getHandle(bootstrap.workflowId).terminate("test done");
  }
});

test("gap: 100 bootstraps recorded with SQL while the worker is down all get one workflow within 1 s of SUBSCRIBED plus a sweep page", async () => {
  for (const worker of workers.splice(0)) await worker.stop();
  const recorded = await recordBootstrapsWithSql(env.dbUrl, 100);
  workflowIds.push(...recorded.map((b) => b.workflowId));

  const worker = await startWorker();
  const reconciler = worker.process.reconciler!;
  assert.ok(worker.log.lines.some((l) => l.includes("✅ Subscribed to workflow events via Supabase Realtime")), "startup waits for the first SUBSCRIBED");
  const subscribedAt = Date.parse(reconciler.status().realtime?.lastSubscribedAt ?? "");
  // The catch-up sweep that follows SUBSCRIBED finds them: they were committed before the subscription, so
  // Realtime never delivers them.
  const sweep = await eventually("the catch-up sweep that finds them", () =>
    reconciler.recentSweeps().find((s) => s.kind === "catch_up" && (s.found ?? 0) >= 100), 20_000);
  const sweepStartedAfter = Date.parse(sweep.startedAt) - subscribedAt;
  const doneAfter = Date.parse(sweep.startedAt) + sweep.durationMs - subscribedAt;
  console.log(`gap: catch-up began ${sweepStartedAfter} ms after SUBSCRIBED; 100 workflows started and recorded ${doneAfter} ms after it, in ${sweep.pages} page(s)`);
  assert.equal(sweep.outcome, "ok");
  assert.ok(sweepStartedAfter < 1000, `the catch-up began ${sweepStartedAfter} ms after SUBSCRIBED`);
  assert.equal(sweep.pages, 1, "one page");

  const runs = await Promise.all(recorded.map((b) => describeRun(harness.client, b.workflowId)));
  assert.equal(new Set(runs.map((r) => r.runId)).size, 100, "100 distinct runs");
  const records = await workflowStartedRecords(env.dbUrl, recorded.map((b) => b.organizationId));
  for (const [i, bootstrap] of recorded.entries()) {
    const record = records.get(bootstrap.organizationId);
    assert.deepEqual([record?.count, record?.startedBy, record?.runId], [1, "sweep", runs[i]!.runId], `${bootstrap.workflowId}: one workflow_started event, for its one run`);
  }
  assert.equal(await worker.metric("workflows_started_total", { trigger: "organization-bootstrap", path: "sweep" }), 100);
  assert.equal(await worker.metric("workflows_started_total", { trigger: "organization-bootstrap", path: "realtime" }), 0);
});
