import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { stackEnv } from "../../supabase/local/test/support/env.ts";
import { openHarness, type Harness } from "./support/workflow-harness.ts";
import {
  deleteSchedule, describeRun, eventually, reconcilerConfig, recordBootstrap, startReconcilingWorker, terminateRuns,
  workflowStartedRecords, type ReconcilingWorker, type RecordedBootstrap,
} from "./support/reconciler.ts";

const env = stackEnv();
const stack = { supabaseUrl: env.supabaseUrl, serviceRoleKey: env.serviceRoleKey, temporalAddress: env.temporalAddress, temporalNamespace: env.temporalNamespace };
const scheduleId = `test-reconcile-replicas-${randomUUID()}`;
const COUNT = 200;
let harness: Harness;
const replicas: ReconcilingWorker[] = [];
let recorded: RecordedBootstrap[] = [];

before(async () => {
  harness = await openHarness();
});

after(async () => {
  for (const replica of replicas) await replica.stop();
  await deleteSchedule(harness.client, scheduleId);
  await terminateRuns(harness.client, recorded.map((b) => b.workflowId));
  await harness?.close();
});

async function sumOver(name: string, labels: Record<string, string>): Promise<number> {
  return (await Promise.all(replicas.map((r) => r.metric(name, labels)))).reduce((a, b) => a + b, 0);
}

test("replicas: two workers receive the same events; each bootstrap gets one workflow and one workflow_started event, and the Schedule is one", async () => {
  const config = { RECONCILE_SCHEDULE_ID: scheduleId, RECONCILE_INTERVAL: "2s", RECONCILE_GRACE: "1s", CANARY_ENABLED: "false" };
  replicas.push(await startReconcilingWorker(reconcilerConfig(stack, config), harness.bundle));
  replicas.push(await startReconcilingWorker(reconcilerConfig(stack, config), harness.bundle));
  await Promise.all(replicas.map((r) => r.process.reconciler!.catchUp()));
  const [a, b] = replicas as [ReconcilingWorker, ReconcilingWorker];
  assert.ok(a.log.lines.some((l) => l.includes(`created Schedule ${scheduleId}`)), a.log.lines.join("\n"));
  assert.ok(b.log.lines.some((l) => l.includes(`updated Schedule ${scheduleId}`)), b.log.lines.join("\n"));
  const before = {
    started: await sumOver("workflows_started_total", { trigger: "organization-bootstrap", path: "realtime" }) + await sumOver("workflows_started_total", { trigger: "organization-bootstrap", path: "sweep" }),
  };
  const logLinesBefore = replicas.map((r) => r.log.lines.length);

  // Recorded 20 at a time, like a burst of edge-function requests whose direct starts all failed.
  for (let i = 0; i < COUNT; i += 20) {
    recorded.push(...(await Promise.all(Array.from({ length: Math.min(20, COUNT - i) }, () => recordBootstrap(harness.supabase)))));
  }
  const ids = recorded.map((r) => r.organizationId);
  const records = await eventually(`${COUNT} workflow_started events`, async () => {
    const found = await workflowStartedRecords(env.dbUrl, ids);
    return found.size === COUNT ? found : undefined;
  }, 120_000);

  for (const bootstrap of recorded) assert.equal(records.get(bootstrap.organizationId)?.count, 1, `${bootstrap.workflowId}: one workflow_started event`);
  const runs = await Promise.all(recorded.map((r) => describeRun(harness.client, r.workflowId)));
  assert.equal(new Set(runs.map((r) => r.runId)).size, COUNT, "one run per bootstrap");
  for (const [i, run] of runs.entries()) assert.equal(records.get(recorded[i]!.organizationId)?.runId, run.runId);

  // Each start was made by exactly one replica; every other attempt was "already started", nothing failed.
  const problems = replicas.flatMap((r, i) => r.log.lines.slice(logLinesBefore[i]).filter((l) => !l.startsWith("info ")));
  assert.deepEqual(problems, [], "no warning or error in either replica's log");
  assert.equal(await sumOver("workflow_ensure_errors_total", { trigger: "organization-bootstrap", path: "realtime" }), 0);
  assert.equal(await sumOver("workflow_ensure_errors_total", { trigger: "organization-bootstrap", path: "sweep" }), 0);
  const started = await sumOver("workflows_started_total", { trigger: "organization-bootstrap", path: "realtime" }) + await sumOver("workflows_started_total", { trigger: "organization-bootstrap", path: "sweep" }) - before.started;
  assert.equal(started, COUNT, "starts summed over both replicas");
  assert.ok((await sumOver("workflows_already_started_total", { trigger: "organization-bootstrap", path: "realtime" })) >= 1, "the replicas did race for the same events");

  // Both replicas upserted the one Schedule (ids are unique in a namespace): it runs each sweep once.
  const description = await harness.client.schedule.getHandle(scheduleId).describe();
  assert.equal(description.spec.intervals?.[0]?.every, 2000);
});
