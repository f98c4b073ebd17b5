import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { memoryLog } from "../src/reconciler/log.ts";
import { findStuckOrganizations, isUnsuccessfulClose, StuckMonitor, type ClosedRun, type StuckSources } from "../src/reconciler/stuck.ts";

/** Temporal's closed runs and latest runs, and the projection's provisioning set, as plain data. */
function sources(world: { closed: ClosedRun[]; latest: Map<string, ClosedRun>; provisioning: Set<string> }): StuckSources & { readonly asked: string[][] } {
  const asked: string[][] = [];
  return {
    asked,
    closedUnsuccessful: async (limit) => world.closed.slice(0, limit),
    latestRun: async (workflowId) => world.latest.get(workflowId),
    provisioning: async (ids) => {
      asked.push([...ids]);
      return new Set(ids.filter((id) => world.provisioning.has(id)));
    },
  };
}

const run = (organizationId: string, status: string, runId: string = randomUUID()): ClosedRun => ({ workflowId: bootstrapWorkflowId(organizationId), runId, status });

test("stuck: only an organization still provisioning whose LATEST run closed without success", async () => {
  const [terminated, failedButRecorded, retried, timedOut] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const world = {
    closed: [run(terminated, "Terminated"), run(failedButRecorded, "Failed"), run(retried, "Failed"), run(timedOut, "TimedOut"), { workflowId: "other-workflow", runId: "r", status: "Failed" }],
    latest: new Map([
      [bootstrapWorkflowId(terminated), run(terminated, "TERMINATED", "t-1")],
      [bootstrapWorkflowId(failedButRecorded), run(failedButRecorded, "FAILED")],
      // A retry replaced the failed run: it is running now, so the organization is not stuck.
      [bootstrapWorkflowId(retried), run(retried, "RUNNING")],
      [bootstrapWorkflowId(timedOut), run(timedOut, "TIMED_OUT", "t-2")],
    ]),
    // failedButRecorded recorded its failure: the projection says failed, not provisioning.
    provisioning: new Set([terminated, retried, timedOut]),
  };
  const found = await findStuckOrganizations(sources(world));
  assert.deepEqual(found.map((s) => [s.organizationId, s.status, s.runId]).sort(), [[terminated, "TERMINATED", "t-1"], [timedOut, "TIMED_OUT", "t-2"]].sort());
  assert.deepEqual(await findStuckOrganizations(sources({ closed: [], latest: new Map(), provisioning: new Set() })), []);
});

test("stuck: each organization is looked up once, however many closed runs it has", async () => {
  const organization = randomUUID();
  const fake = sources({ closed: [run(organization, "Failed"), run(organization, "Terminated")], latest: new Map([[bootstrapWorkflowId(organization), run(organization, "FAILED")]]), provisioning: new Set([organization]) });
  assert.equal((await findStuckOrganizations(fake)).length, 1);
  assert.deepEqual(fake.asked, [[organization]]);
});

test("stuck: status names of both visibility and describe are recognised; success and running are not", () => {
  for (const status of ["Failed", "FAILED", "Terminated", "TERMINATED", "TimedOut", "TIMED_OUT", "Canceled", "CANCELLED"]) assert.ok(isUnsuccessfulClose(status), status);
  for (const status of ["Completed", "COMPLETED", "Running", "RUNNING", "ContinuedAsNew", "CONTINUED_AS_NEW"]) assert.ok(!isUnsuccessfulClose(status), status);
});

test("stuck monitor: sets the gauge, logs each stuck run once with the fix, shows it in status; a failed check is logged and kept apart", async () => {
  const organization = randomUUID();
  const world = { closed: [run(organization, "Terminated")], latest: new Map([[bootstrapWorkflowId(organization), run(organization, "TERMINATED", "r-1")]]), provisioning: new Set([organization]) };
  const gauge: number[] = [];
  const log = memoryLog();
  let broken = false;
  const base = sources(world);
  const monitor = new StuckMonitor({
    sources: { ...base, closedUnsuccessful: async (limit) => { if (broken) throw new Error("visibility unavailable"); return base.closedUnsuccessful(limit); } },
    intervalMs: 60_000,
    metrics: { setStuckOrganizations: (count) => void gauge.push(count) },
    log,
  });
  await monitor.check();
  await monitor.check();
  assert.deepEqual(gauge, [1, 1]);
  assert.equal(monitor.status().count, 1);
  assert.equal(monitor.status().organizations[0]?.organizationId, organization);
  const lines = log.lines.filter((line) => line.includes("organization is stuck"));
  assert.equal(lines.length, 1, "logged once per run");
  assert.match(lines[0]!, new RegExp(`fix="npm run bootstrap:retry -- --organization ${organization}"`));

  broken = true;
  await monitor.check();
  assert.match(monitor.status().error ?? "", /visibility unavailable/);
  assert.equal(monitor.status().count, 1, "the last known count stays");

  broken = false;
  world.provisioning.clear();
  await monitor.check();
  assert.deepEqual(gauge.at(-1), 0);
  assert.equal(monitor.status().count, 0);
  assert.equal(monitor.status().error, undefined);
  await monitor.stop();
});
