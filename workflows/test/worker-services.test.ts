/**
 * The worker as main.ts wires it (worker-process.ts), in this process: the reconciler is built with
 * the worker's own clients, runs beside the polling worker, and stops before the worker drains; a
 * database whose trigger registry lacks a declared trigger stops startup before anything connects.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { WORKFLOW_TRIGGERS } from "@org-bootstrap/shared/triggers/index.ts";
import { stackEnv } from "../../supabase/local/test/support/env.ts";
import { memoryLog } from "../src/reconciler/log.ts";
import { StartupError } from "../src/worker/preflight.ts";
import { startWorkerProcess } from "../src/worker/worker-process.ts";
import { pingTrigger } from "./support/ping-trigger.ts";
import { deleteSchedule, reconcilerConfig } from "./support/reconciler.ts";
import { openHarness, type Harness } from "./support/workflow-harness.ts";

const env = stackEnv();
const stack = { supabaseUrl: env.supabaseUrl, serviceRoleKey: env.serviceRoleKey, temporalAddress: env.temporalAddress, temporalNamespace: env.temporalNamespace };
let harness: Harness;
before(async () => { harness = await openHarness(); });
after(async () => { await harness?.close(); });

test("the reconciler runs on the worker's clients beside the polling worker, and stops before the worker drains", async () => {
  const taskQueue = `test-process-${randomUUID()}`;
  const config = reconcilerConfig(stack, { TEMPORAL_TASK_QUEUE: taskQueue, CANARY_ENABLED: "false", RECONCILE_INTERVAL: "1h" });
  const running = await startWorkerProcess(config, { log: memoryLog(), workflowBundle: harness.bundle });
  try {
    const reconciler = running.reconciler!;
    assert.equal(running.worker.getState(), "RUNNING");
    assert.equal(reconciler.status().realtime?.state, "subscribed", "startup waits for the first subscription");
    // The Schedule it upserted runs sweeps on this worker's queue, through the worker's client.
    const schedule = await running.client.schedule.getHandle(config.reconciler.scheduleId).describe();
    assert.equal(schedule.action.type === "startWorkflow" && schedule.action.taskQueue, taskQueue);
    assert.equal((await fetch(`${running.httpUrl}/readyz`)).status, 200);

    const order: string[] = [];
    const stopReconciler = reconciler.stop.bind(reconciler);
    reconciler.stop = async () => {
      order.push(`reconciler stops (worker ${running.worker.getState()})`);
      await stopReconciler();
    };
    await running.shutdown();
    await running.shutdown(); // idempotent
    assert.deepEqual(order, ["reconciler stops (worker RUNNING)"]);
    assert.equal(reconciler.status().realtime?.state, "stopped");
    assert.equal(running.worker.getState(), "STOPPED");
    await assert.rejects(fetch(`${running.httpUrl}/healthz`), "the HTTP server is closed");
  } finally {
    await running.shutdown();
    await deleteSchedule(harness.client, config.reconciler.scheduleId);
  }
});

test("a declared trigger the database does not register stops startup with the trigger and the fix named, before a Schedule exists", async () => {
  const config = reconcilerConfig(stack, { TEMPORAL_TASK_QUEUE: `test-process-${randomUUID()}`, CANARY_ENABLED: "false" });
  const failure = await startWorkerProcess(config, { log: memoryLog(), workflowBundle: harness.bundle, triggers: [...WORKFLOW_TRIGGERS, pingTrigger("unused")] })
    .then(() => undefined, (error: unknown) => error);
  assert.ok(failure instanceof StartupError, String(failure));
  assert.match(failure.message, /test-ping: test_ping\/test\.ping\.requested → test\.ping\.workflow_started is not registered/);
  assert.match(failure.fix, /apply the migrations/);
  await assert.rejects(harness.client.schedule.getHandle(config.reconciler.scheduleId).describe(), (error: Error) => error.name === "ScheduleNotFoundError");
});
