/**
 * Temporal down while bootstraps are recorded, then back: every one completes with no operator action.
 * Stopping the shared test stack's Temporal would break the other suites, so this file runs its own
 * stack (Postgres, gateway, Temporal) on free ports, and restarts its Temporal on the same port and data.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { Client, Connection } from "@temporalio/client";
import { bundleWorkflowCode } from "@temporalio/worker";

import { silentProgress } from "../../supabase/local/src/log.ts";
import { freeStackPorts } from "../../supabase/local/src/net.ts";
import { startStack, type Stack } from "../../supabase/local/src/stack.ts";
import { startTemporalDevServer, type RunningTemporal } from "../../supabase/local/src/temporal/dev-server.ts";
import { WORKFLOWS_PATH } from "../src/worker/run-worker.ts";
import { createServiceClient } from "../src/worker/supabase-client.ts";
import { eventually, reconcilerConfig, recordBootstrap, startReconcilingWorker, workflowStartedRecords, type ReconcilingWorker } from "./support/reconciler.ts";

const COUNT = 50;

async function organizationStatuses(dbUrl: string, ids: readonly string[]): Promise<Map<string, string>> {
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ id: string; status: string }>("select id, status from public.organizations_projection where id = any($1::uuid[])", [ids]);
    return new Map(rows.map((r) => [r.id, r.status]));
  } finally {
    await db.end();
  }
}

test("Temporal outage: 50 bootstraps recorded while Temporal is down all complete after it is back, without operator action", { timeout: 600_000 }, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "reconciler-outage-"));
  fs.chmodSync(dataDir, 0o755); // the database server may run as the `postgres` user
  const ports = await freeStackPorts();
  let stack: Stack | undefined;
  let restarted: RunningTemporal | undefined;
  let worker: ReconcilingWorker | undefined;
  const supabase = () => createServiceClient(stack!.env.SUPABASE_URL, stack!.env.SUPABASE_SERVICE_ROLE_KEY);
  try {
    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } });
    stack = await startStack({ dataDir, ports, ephemeral: true, proxy: false, worker: false }, silentProgress);
    const endpoints = {
      supabaseUrl: stack.env.SUPABASE_URL,
      serviceRoleKey: stack.env.SUPABASE_SERVICE_ROLE_KEY,
      temporalAddress: stack.env.TEMPORAL_ADDRESS,
      temporalNamespace: stack.env.TEMPORAL_NAMESPACE,
    };
    worker = await startReconcilingWorker(reconcilerConfig(endpoints, { RECONCILE_INTERVAL: "2s", RECONCILE_GRACE: "1s", CANARY_ENABLED: "false" }), bundle);

    await stack.temporal!.stop();
    const writer = supabase();
    const recorded = [];
    for (let i = 0; i < COUNT; i += 10) recorded.push(...(await Promise.all(Array.from({ length: 10 }, () => recordBootstrap(writer)))));
    await writer.removeAllChannels();
    // Realtime delivered them and the worker tried: every start failed, nothing was lost.
    await eventually("the Realtime path to give up on Temporal", async () =>
      ((await worker!.metric("workflow_ensure_errors_total", { trigger: "organization-bootstrap", path: "realtime" })) >= 1 ? true : undefined), 60_000);
    assert.equal((await workflowStartedRecords(stack.env.SUPABASE_DB_URL, recorded.map((r) => r.organizationId))).size, 0);

    restarted = await startTemporalDevServer({
      dataDir,
      ports: { grpc: ports.temporal, ui: ports.temporalUi, http: ports.temporalHttp },
      progress: silentProgress,
    });
    const backAt = Date.now();
    const ids = recorded.map((r) => r.organizationId);
    await eventually(`all ${COUNT} organizations active`, async () => {
      const statuses = await organizationStatuses(stack!.env.SUPABASE_DB_URL, ids);
      return ids.every((id) => statuses.get(id) === "active") ? true : undefined;
    }, 240_000);
    console.log(`outage: all ${COUNT} bootstraps active ${Date.now() - backAt} ms after Temporal came back`);

    const records = await workflowStartedRecords(stack.env.SUPABASE_DB_URL, ids);
    for (const id of ids) assert.equal(records.get(id)?.count, 1, `${id}: one workflow_started event`);
    const connection = await Connection.connect({ address: stack.env.TEMPORAL_ADDRESS });
    try {
      const client = new Client({ connection, namespace: stack.env.TEMPORAL_NAMESPACE });
      for (const bootstrap of recorded) {
        // "active" is written by the last activity; the run completes right after it.
        await client.workflow.getHandle(bootstrap.workflowId).result();
        const description = await client.workflow.getHandle(bootstrap.workflowId).describe();
        assert.equal(description.status.name, "COMPLETED");
        assert.equal(description.runId, records.get(bootstrap.organizationId)?.runId);
      }
    } finally {
      await connection.close();
    }
  } finally {
    await worker?.stop().catch(() => undefined);
    await restarted?.stop().catch(() => undefined);
    await stack?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
