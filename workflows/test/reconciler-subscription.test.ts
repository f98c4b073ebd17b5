/**
 * The reconciler against the way the real Realtime server subscribes: the join is answered first
 * and the subscription goes live later (changes committed in between are never delivered), and a
 * subscription the server refuses is said so in a `system` message after an ok join.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { stackEnv } from "../../supabase/local/test/support/env.ts";
import { openHarness, type Harness } from "./support/workflow-harness.ts";
import {
  deleteSchedule, eventually, realtimeFault, reconcilerConfig, recordBootstrap, startReconcilingWorker, workflowExists, type ReconcilingWorker,
} from "./support/reconciler.ts";

const env = stackEnv();
const stack = { supabaseUrl: env.supabaseUrl, serviceRoleKey: env.serviceRoleKey, temporalAddress: env.temporalAddress, temporalNamespace: env.temporalNamespace };
/** Only Realtime and the catch-up act: the Schedule waits an hour and leaves anything younger alone. */
const REALTIME_ONLY = { RECONCILE_INTERVAL: "1h", RECONCILE_GRACE: "1h", CANARY_ENABLED: "false" };
let harness: Harness;
const workers: ReconcilingWorker[] = [];

before(async () => {
  harness = await openHarness();
});

after(async () => {
  await realtimeFault(stack, "subscribe-delay?ms=100").catch(() => {});
  // Later suites count what their own sweeps start: leave no bootstrap of this file without its workflow.
  await workers[0]?.process.reconciler?.catchUp();
  for (const worker of workers) {
    await worker.stop();
    await deleteSchedule(harness.client, worker.config.reconciler.scheduleId);
  }
  await harness?.close();
});

async function readyz(worker: ReconcilingWorker): Promise<{ status: number; body: { status: string; realtime?: string } }> {
  const response = await fetch(`${worker.process.httpUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as { status: string; realtime?: string } };
}

test("events committed after SUBSCRIBED but before the subscription is live each get their workflow within 3 s", async () => {
  // Subscriptions go live 2 s after the join's answer. A bootstrap is recorded every 200 ms from
  // before the worker starts until after it is subscribed, so several land in that window: a worker
  // that took SUBSCRIBED for "live" would sweep too early and leave those to the hourly Schedule.
  await realtimeFault(stack, "subscribe-delay?ms=2000");
  const recorded: Array<{ workflowId: string; at: number }> = [];
  let recording = true;
  const recorder = (async () => {
    while (recording) {
      const bootstrap = await recordBootstrap(harness.supabase);
      recorded.push({ workflowId: bootstrap.workflowId, at: Date.now() });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  let worker: ReconcilingWorker;
  try {
    worker = await startReconcilingWorker(reconcilerConfig(stack, REALTIME_ONLY), harness.bundle);
    workers.push(worker);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // a few more after it is live
  } finally {
    recording = false;
    await recorder;
  }
  assert.ok(worker.log.lines.some((l) => l.includes("✅ Subscribed to workflow events via Supabase Realtime")), worker.log.lines.join("\n"));
  assert.ok(recorded.length >= 10, `only ${recorded.length} bootstraps recorded`);
  for (const { workflowId, at } of recorded) {
    await eventually(`${workflowId} to exist`, async () => ((await workflowExists(harness.client, workflowId)) ? true : undefined), Math.max(at + 3_000 - Date.now(), 1));
  }
  await realtimeFault(stack, "subscribe-delay?ms=100");
});

test("a subscription the server refuses makes the worker not ready, with the server's message in its log, until one is accepted", async () => {
  // The role the worker subscribes as may not read domain_events: the server answers the join, then refuses.
  const admin = new pg.Client({ connectionString: env.dbUrl });
  await admin.connect();
  try {
    await admin.query("revoke select on public.domain_events from service_role");
    const worker = await startReconcilingWorker(reconcilerConfig(stack, REALTIME_ONLY), harness.bundle);
    workers.push(worker);
    const refused = await eventually("/readyz to report the refusal", async () => {
      const answer = await readyz(worker);
      return answer.status === 503 ? answer : undefined;
    }, 10_000);
    assert.equal(refused.body.status, "not_ready");
    assert.match(refused.body.realtime ?? "", /subscription refused by the server: invalid column for filter event_type/);
    const logged = worker.log.lines.filter((l) => l.includes("the server refused the subscription: invalid column for filter event_type"));
    assert.equal(logged.length, 1, worker.log.lines.join("\n"));
    assert.ok((await worker.metric("realtime_subscription_refusals_total")) >= 1);

    await admin.query("grant select on public.domain_events to service_role");
    await eventually("the worker to be ready again after a resubscribe", async () => ((await readyz(worker)).status === 200 ? true : undefined), 40_000);
  } finally {
    await admin.query("grant select on public.domain_events to service_role").catch(() => {});
    await admin.end();
  }
});
