import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { stackEnv } from "../../supabase/local/test/support/env.ts";
import { openHarness, type Harness } from "./support/workflow-harness.ts";
import {
  deleteSchedule, describeRun, eventually, realtimeFault, reconcilerConfig, recordBootstrap, startReconcilingWorker,
  terminateRuns, workflowExists, type ReconcilingWorker,
} from "./support/reconciler.ts";

const env = stackEnv();
const stack = { supabaseUrl: env.supabaseUrl, serviceRoleKey: env.serviceRoleKey, temporalAddress: env.temporalAddress, temporalNamespace: env.temporalNamespace };
const CANARY_INTERVAL_MS = 1000;
let harness: Harness;
let worker: ReconcilingWorker;
const workflowIds: string[] = [];

before(async () => {
  harness = await openHarness();
  worker = await startReconcilingWorker(reconcilerConfig(stack, {
    CANARY_ENABLED: "true",
    CANARY_INTERVAL: `${CANARY_INTERVAL_MS}ms`,
    CANARY_TIMEOUT: "500ms",
    // The scheduled sweep stays out of the way (its first run is an interval off): the canary's sweep does the work.
    RECONCILE_INTERVAL: "1h",
    RECONCILE_GRACE: "0s",
  }), harness.bundle);
  await worker.process.reconciler!.catchUp();
});

after(async () => {
  await realtimeFault(stack, "resume").catch(() => undefined);
  await worker?.stop();
  if (worker) await deleteSchedule(harness.client, worker.config.reconciler.scheduleId);
  await terminateRuns(harness.client, workflowIds);
  await harness?.close();
});

test("canary: round trips are measured while Realtime delivers", async () => {
  await eventually("a canary round trip", async () => ((await worker.metric("realtime_canary_roundtrip_seconds_count")) >= 2 ? true : undefined), 10 * CANARY_INTERVAL_MS);
  assert.equal(await worker.metric("realtime_canary_misses_total"), 0);
  assert.equal(await worker.metric("realtime_state", { state: "subscribed" }), 1);
});

test("canary: when Realtime silently stops delivering, a miss is detected within two intervals, shown, and the sweep still starts every workflow", async () => {
  const missesBefore = await worker.metric("realtime_canary_misses_total");
  const reconnectsBefore = await worker.metric("realtime_reconnects_total");
  await realtimeFault(stack, "pause");
  const pausedAt = Date.now();
  try {
    await eventually("a canary miss", async () => ((await worker.metric("realtime_canary_misses_total")) > missesBefore ? true : undefined), 4 * CANARY_INTERVAL_MS);
    const detectedAfter = Date.now() - pausedAt;
    assert.ok(detectedAfter <= 2 * CANARY_INTERVAL_MS + 250, `detected ${detectedAfter} ms after the pause (two intervals: ${2 * CANARY_INTERVAL_MS} ms)`);
    assert.ok(worker.log.lines.some((l) => l.includes("canary not received over Realtime")), worker.log.lines.join("\n"));

    // The miss forced a resubscribe; the subscription looks fine again but is marked degraded until a canary returns.
    await eventually("the forced resubscribe", async () => ((await worker.metric("realtime_reconnects_total")) > reconnectsBefore ? true : undefined), 10_000);
    assert.equal(await worker.metric("realtime_state", { state: "degraded" }), 1);
    const ready = await fetch(`${worker.process.httpUrl}/readyz`);
    assert.equal(ready.status, 200, "a degraded Realtime never makes the worker unready: the sweep covers it");
    const body = (await ready.json()) as { reconciler: { realtime: { state: string; degraded: boolean } } };
    assert.deepEqual([body.reconciler.realtime.state, body.reconciler.realtime.degraded], ["degraded", true]);

    // Bootstraps recorded now are never delivered; the sweeps each miss triggers start them.
    const recorded = await Promise.all([1, 2].map(() => recordBootstrap(harness.supabase)));
    workflowIds.push(...recorded.map((b) => b.workflowId));
    for (const bootstrap of recorded) {
      await eventually(`${bootstrap.workflowId} to exist`, async () => ((await workflowExists(harness.client, bootstrap.workflowId)) ? true : undefined), 5 * CANARY_INTERVAL_MS);
      assert.equal((await describeRun(harness.client, bootstrap.workflowId)).memoStartedBy, "sweep");
    }
  } finally {
    await realtimeFault(stack, "resume");
  }
  await eventually("deliveries to be trusted again", async () => ((await worker.metric("realtime_state", { state: "subscribed" })) === 1 ? true : undefined), 5 * CANARY_INTERVAL_MS);
  assert.ok(worker.log.lines.some((l) => l.includes("canary received again: Realtime delivers")));
});
