/**
 * A trigger the product does not ship, declared in this test (support/ping-trigger.ts) with its own
 * event type and a trivial workflow, and registered by one SQL line: the reconciler, the sweep and
 * the proxy are not changed for it. 20 of its events, inserted with plain SQL in one transaction, get
 * exactly one workflow each by every safety-net path: Realtime, the catch-up sweep after Realtime
 * comes back, and the Schedule's sweep once a worker returns.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from "@temporalio/worker";
import { WORKFLOW_TRIGGERS, type WorkflowTrigger } from "@org-bootstrap/shared/triggers/index.ts";
import { stackEnv } from "../../supabase/local/test/support/env.ts";
import { memoryLog } from "../src/reconciler/log.ts";
import { upsertReconcileSchedule } from "../src/reconciler/schedule.ts";
import { openHarness, type Harness } from "./support/workflow-harness.ts";
import {
  PING_WORKFLOWS_PATH, pendingPings, pingStartedRecords, pingTrigger, recordPingsInOneTransaction, registerTrigger, unregisterTrigger,
  type RecordedPing,
} from "./support/ping-trigger.ts";
import {
  deleteSchedule, describeRun, eventually, realtimeFault, reconcilerConfig, startReconcilingWorker, terminateRuns, type ReconcilingWorker,
} from "./support/reconciler.ts";

const env = stackEnv();
const stack = { supabaseUrl: env.supabaseUrl, serviceRoleKey: env.serviceRoleKey, temporalAddress: env.temporalAddress, temporalNamespace: env.temporalNamespace };
/** Its own task queue: the other suites' workers (without the ping workflow) never see its tasks. */
const taskQueue = `test-ping-${randomUUID()}`;
const trigger: WorkflowTrigger = pingTrigger(taskQueue);
const scheduleIds: string[] = [];
const workers: ReconcilingWorker[] = [];
const workflowIds: string[] = [];
let harness: Harness;
let bundle: WorkflowBundleWithSourceMap;

async function startWorker(settings: Record<string, string>): Promise<ReconcilingWorker> {
  const scheduleId = `test-reconcile-triggers-${randomUUID()}`;
  scheduleIds.push(scheduleId);
  const config = reconcilerConfig(stack, { TEMPORAL_TASK_QUEUE: taskQueue, CANARY_ENABLED: "false", RECONCILE_SCHEDULE_ID: scheduleId, ...settings });
  const worker = await startReconcilingWorker(config, bundle, [...WORKFLOW_TRIGGERS, trigger]);
  workers.push(worker);
  return worker;
}

async function stopWorkers(): Promise<void> {
  for (const worker of workers.splice(0)) await worker.stop();
}

/** Every ping has exactly one workflow (its own id, completed) and exactly one started event, naming `startedBy`. */
async function assertOneWorkflowEach(pings: readonly RecordedPing[], startedBy: string): Promise<void> {
  await eventually("every ping's started event", async () => ((await pendingPings(env.dbUrl, pings)) === 0 ? true : undefined), 15_000);
  const runs = await Promise.all(pings.map(async (ping) => {
    const handle = harness.client.workflow.getHandle(ping.workflowId);
    assert.deepEqual(await handle.result(), { pinged: ping.eventId }, "the trivial workflow ran for its own event");
    return describeRun(harness.client, ping.workflowId);
  }));
  assert.equal(new Set(runs.map((r) => r.runId)).size, pings.length, "one run per event");
  for (const run of runs) assert.deepEqual([run.status, run.memoStartedBy, run.searchStartedBy], ["COMPLETED", startedBy, startedBy]);
  const records = await pingStartedRecords(env.dbUrl, trigger, pings);
  // One started event per ping, naming the run Temporal has as the workflow's latest (and, by REJECT_DUPLICATE, only) one.
  pings.forEach((ping, i) => assert.deepEqual(records.get(ping.eventId), { count: 1, startedBy, runId: runs[i]!.runId }, `${ping.workflowId}: one started event`));
}

before(async () => {
  harness = await openHarness();
  bundle = await bundleWorkflowCode({ workflowsPath: PING_WORKFLOWS_PATH, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } });
  await registerTrigger(env.dbUrl, trigger);
});

after(async () => {
  await realtimeFault(stack, "resume").catch(() => undefined);
  await stopWorkers();
  for (const id of scheduleIds) await deleteSchedule(harness.client, id);
  await terminateRuns(harness.client, workflowIds);
  await unregisterTrigger(env.dbUrl, trigger);
  await harness?.close();
});

test("a test-only trigger: 20 events inserted in one SQL transaction get one workflow each through Realtime", async () => {
  const worker = await startWorker({ RECONCILE_INTERVAL: "1h", RECONCILE_GRACE: "1h" });
  await worker.process.reconciler!.catchUp(); // what earlier suites left is not this test's business
  const before = await worker.metric("workflows_started_total", { trigger: "test-ping", path: "realtime" });
  const pings = await recordPingsInOneTransaction(env.dbUrl, trigger, 20);
  workflowIds.push(...pings.map((p) => p.workflowId));
  await assertOneWorkflowEach(pings, "realtime");
  assert.equal(await worker.metric("workflows_started_total", { trigger: "test-ping", path: "realtime" }), before + 20);
  assert.equal(await worker.metric("workflows_started_total", { trigger: "test-ping", path: "sweep" }), 0);
});

test("a test-only trigger: with Realtime dropping its events, the catch-up sweep after the resubscribe starts each one once", async () => {
  const worker = workers[0]!;
  await realtimeFault(stack, "pause");
  try {
    const pings = await recordPingsInOneTransaction(env.dbUrl, trigger, 20);
    workflowIds.push(...pings.map((p) => p.workflowId));
    // Realtime delivers nothing while paused (the Schedule waits an hour): they stay pending...
    assert.equal(await pendingPings(env.dbUrl, pings), 20, "nothing started them while Realtime was paused");
    // ...until the socket drops and comes back: the catch-up sweep after SUBSCRIBED finds them.
    await realtimeFault(stack, "drop");
    const sweep = await eventually("the catch-up sweep that finds them", () =>
      worker.process.reconciler!.recentSweeps().find((s) => s.kind === "catch_up" && (s.found ?? 0) >= 20), 20_000);
    assert.equal(sweep.outcome, "ok");
    await assertOneWorkflowEach(pings, "sweep");
    assert.equal(await worker.metric("workflows_started_total", { trigger: "test-ping", path: "sweep" }), 20);
  } finally {
    await realtimeFault(stack, "resume");
  }
});

test("a test-only trigger: with the worker down, the Schedule's sweep starts each one once when a worker returns", async () => {
  await stopWorkers();
  // The Schedule as a worker upserts it, every 2 s on the ping queue; nobody polls that queue now.
  const scheduleId = `test-reconcile-triggers-${randomUUID()}`;
  scheduleIds.push(scheduleId);
  await upsertReconcileSchedule(harness.client, { scheduleId, intervalMs: 2_000, graceMs: 0, taskQueue }, memoryLog());
  const pings = await recordPingsInOneTransaction(env.dbUrl, trigger, 20);
  workflowIds.push(...pings.map((p) => p.workflowId));
  await eventually("the Schedule to fire while no worker polls", async () => {
    const { info } = await harness.client.schedule.getHandle(scheduleId).describe();
    return info.recentActions.length >= 1 ? true : undefined;
  }, 15_000);
  assert.equal(await pendingPings(env.dbUrl, pings), 20, "nothing ran without a worker");

  // A worker returns without its own Realtime or catch-up (RECONCILER_ENABLED=false): only the Schedule's sweep can start them.
  const worker = await startWorker({ RECONCILER_ENABLED: "false", RECONCILE_SCHEDULE_ID: scheduleId });
  assert.equal(worker.process.reconciler, undefined);
  await assertOneWorkflowEach(pings, "sweep");
  assert.ok(worker.log.lines.some((l) => /sweep \(schedule\) found \d+ trigger event/.test(l)), worker.log.lines.join("\n"));
});
