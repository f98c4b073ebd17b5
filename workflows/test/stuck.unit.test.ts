import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { memoryLog } from "../src/reconciler/log.ts";
import { findStuckOrganizations, isUnsuccessfulClose, StuckMonitor, type LatestRun, type StuckSources } from "../src/reconciler/stuck.ts";

/** The projection's quiet provisioning organizations and Temporal's latest runs, as plain data. */
function sources(world: { quiet: string[]; latest: Map<string, LatestRun> }): StuckSources & { readonly asked: Array<{ minAgeMs: number; limit: number }>; readonly described: string[] } {
  const asked: Array<{ minAgeMs: number; limit: number }> = [];
  const described: string[] = [];
  return {
    asked,
    described,
    quietProvisioning: async (minAgeMs, limit) => {
      asked.push({ minAgeMs, limit });
      return world.quiet.slice(0, limit);
    },
    latestRun: async (workflowId) => {
      described.push(workflowId);
      return world.latest.get(workflowId);
    },
  };
}

const latest = (organizationId: string, status: string, runId: string = randomUUID()): [string, LatestRun] => [bootstrapWorkflowId(organizationId), { runId, status }];

test("stuck: a quiet provisioning organization whose latest run closed without success; not one running, done, or never started", async () => {
  const [terminated, timedOut, running, neverStarted, completed] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const fake = sources({
    quiet: [terminated, timedOut, running, neverStarted, completed],
    latest: new Map([
      latest(terminated, "TERMINATED", "t-1"),
      latest(timedOut, "TIMED_OUT", "t-2"),
      // Still retrying a step (e.g. the DNS API is down): not stuck, however quiet.
      latest(running, "RUNNING"),
      latest(completed, "COMPLETED"),
    ]),
  });
  const found = await findStuckOrganizations(fake, { minQuietMs: 5_000, limit: 50 });
  assert.deepEqual(found.map((s) => [s.organizationId, s.status, s.runId]), [[terminated, "TERMINATED", "t-1"], [timedOut, "TIMED_OUT", "t-2"]].sort((a, b) => a[0]!.localeCompare(b[0]!)));
  assert.deepEqual(fake.asked, [{ minAgeMs: 5_000, limit: 50 }], "only organizations quiet for the given time, at most the limit");
  assert.equal(fake.described.length, 5, "one describe per candidate");
  assert.deepEqual(await findStuckOrganizations(sources({ quiet: [], latest: new Map() })), []);
});

test("stuck: the number of describes per check is bounded by the limit, whatever the backlog", async () => {
  const many = Array.from({ length: 1_000 }, () => randomUUID());
  const fake = sources({ quiet: many, latest: new Map(many.map((id) => latest(id, "FAILED"))) });
  const found = await findStuckOrganizations(fake, { limit: 25 });
  assert.equal(found.length, 25);
  assert.equal(fake.described.length, 25);
});

test("stuck: status names of both visibility and describe are recognised; success and running are not", () => {
  for (const status of ["Failed", "FAILED", "Terminated", "TERMINATED", "TimedOut", "TIMED_OUT", "Canceled", "CANCELLED"]) assert.ok(isUnsuccessfulClose(status), status);
  for (const status of ["Completed", "COMPLETED", "Running", "RUNNING", "ContinuedAsNew", "CONTINUED_AS_NEW"]) assert.ok(!isUnsuccessfulClose(status), status);
});

test("stuck monitor: sets the gauge, logs each stuck run once with the fix, shows it in status; a failed check is logged and kept apart", async () => {
  const organization = randomUUID();
  const world = { quiet: [organization], latest: new Map([latest(organization, "TERMINATED", "r-1")]) };
  const gauge: number[] = [];
  const log = memoryLog();
  let broken = false;
  const base = sources(world);
  const monitor = new StuckMonitor({
    sources: { ...base, quietProvisioning: async (minAgeMs, limit) => { if (broken) throw new Error("PostgREST unavailable"); return base.quietProvisioning(minAgeMs, limit); } },
    intervalMs: 60_000,
    minQuietMs: 1_000,
    metrics: { setStuckOrganizations: (count) => void gauge.push(count) },
    log,
  });
  await monitor.check();
  await monitor.check();
  assert.deepEqual(gauge, [1, 1]);
  assert.equal(base.asked[0]?.minAgeMs, 1_000, "STUCK_AFTER reaches the query");
  assert.equal(monitor.status().count, 1);
  assert.equal(monitor.status().organizations[0]?.organizationId, organization);
  const lines = log.lines.filter((line) => line.includes("organization is stuck"));
  assert.equal(lines.length, 1, "logged once per run");
  assert.match(lines[0]!, new RegExp(`fix="npm run bootstrap:retry -- --organization ${organization}"`));

  broken = true;
  await monitor.check();
  assert.match(monitor.status().error ?? "", /PostgREST unavailable/);
  assert.equal(monitor.status().count, 1, "the last known count stays");

  broken = false;
  world.quiet.length = 0;
  await monitor.check();
  assert.deepEqual(gauge.at(-1), 0);
  assert.equal(monitor.status().count, 0);
  assert.equal(monitor.status().error, undefined);
  await monitor.stop();
});
