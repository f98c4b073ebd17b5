import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { parseWorkerEnv, type WorkerConfig } from "../src/worker/env.ts";
import { startWorker, type WorkerServiceContext } from "../src/worker/run-worker.ts";
import { openHarness, tempOutbox, type Harness } from "./support/workflow-harness.ts";

let harness: Harness;
before(async () => { harness = await openHarness(); });
after(async () => { await harness?.close(); });

function config(): WorkerConfig {
  const parsed = parseWorkerEnv({ ...process.env, WORKFLOW_MODE: "local", LOCAL_OUTBOX_DIR: tempOutbox(), TEMPORAL_TASK_QUEUE: `test-services-${randomUUID()}` });
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.config;
}

test("extra services (the reconciler's seam) start with the worker's clients and stop before the worker drains", async () => {
  const order: string[] = [];
  let context: WorkerServiceContext | undefined;
  const running = await startWorker({
    config: config(),
    workflowBundle: harness.bundle,
    extraServices: [
      async (ctx) => {
        context = ctx;
        order.push("start a");
        return { name: "a", stop: async () => { order.push(`stop a (worker ${running.worker.getState()})`); } };
      },
      async () => {
        order.push("start b");
        return { name: "b", stop: async () => { order.push(`stop b (worker ${running.worker.getState()})`); } };
      },
    ],
  });
  assert.equal(context?.client, running.client, "services share the worker's Temporal client");
  assert.equal(context?.supabase, running.supabase);
  assert.equal(running.worker.getState(), "RUNNING");

  await running.shutdown();
  await running.shutdown(); // idempotent
  assert.deepEqual(order, ["start a", "start b", "stop b (worker RUNNING)", "stop a (worker RUNNING)"]);
  assert.equal(running.worker.getState(), "STOPPED");
});

test("a service that fails to start makes startWorker reject with its error, after stopping the services already started", async () => {
  const stopped: string[] = [];
  const failure = await startWorker({
    config: config(),
    workflowBundle: harness.bundle,
    extraServices: [
      async () => ({ name: "ok", stop: async () => { stopped.push("ok"); } }),
      async () => { throw new Error("realtime subscription refused"); },
    ],
  }).then(() => undefined, (error: unknown) => error);
  assert.ok(failure instanceof Error);
  assert.equal(failure.message, "realtime subscription refused");
  assert.deepEqual(stopped, ["ok"]);
});
