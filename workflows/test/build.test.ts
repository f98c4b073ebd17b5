/**
 * `npm run build`'s artifacts (scripts/artifacts.ts) are what gets deployed: single files that run
 * as they are, against the real local stack, with a container's environment.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { Client, Connection } from "@temporalio/client";
import pg from "pg";
import { bootstrapWorkflowStart, type BootstrapStartIdentity } from "@org-bootstrap/shared/bootstrap-input.ts";
import { emitArgs, EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { createTemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { ARTIFACTS } from "../scripts/artifacts.ts";
import { builtArtifacts, eventually, required, startBuiltProxy, startBuiltWorker, type BuiltProcess } from "./support/built.ts";

/** Every module specifier a built file imports (static and dynamic with a literal). */
function importsOf(file: string): string[] {
  const code = fs.readFileSync(file, "utf8");
  const specifiers = [
    ...[...code.matchAll(/^\s*import\s[^;]*?\sfrom\s*"([^"]+)"/gm)].map((m) => m[1]!),
    ...[...code.matchAll(/^\s*import\s*"([^"]+)"/gm)].map((m) => m[1]!),
    ...[...code.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]!),
  ];
  return [...new Set(specifiers)].sort();
}

const isBuiltin = (specifier: string) => specifier.startsWith("node:");

describe("npm run build", () => {
  let outDir: string;
  before(() => {
    outDir = builtArtifacts();
  });

  test("writes the worker, its prebuilt workflow bundle and the proxy as single files", () => {
    for (const file of Object.values(ARTIFACTS)) assert.ok(fs.statSync(path.join(outDir, file)).size > 10_000, `${file} is a real bundle`);
    const workerImports = importsOf(path.join(outDir, ARTIFACTS.worker));
    assert.deepEqual(workerImports.filter((s) => !isBuiltin(s) && !s.startsWith("@temporalio/")), [], "the worker imports only Node and @temporalio/*");
    assert.ok(workerImports.includes("@temporalio/worker"));
    assert.deepEqual(importsOf(path.join(outDir, ARTIFACTS.proxy)).filter((s) => !isBuiltin(s)), [], "the proxy imports nothing but Node");
    // The workflow bundle is Temporal's (webpack), with both workflows in it.
    const workflows = fs.readFileSync(path.join(outDir, ARTIFACTS.workflowBundle), "utf8");
    assert.match(workflows, /organizationBootstrapWorkflow/);
    assert.match(workflows, /reconcileBootstrapsWorkflow/);
  });

  test("the built worker and proxy validate their environment before anything else: one message, exit 1", () => {
    const worker = spawnSync(process.execPath, [path.join(outDir, ARTIFACTS.worker)], { env: { PATH: process.env.PATH ?? "" }, encoding: "utf8", timeout: 60_000 });
    assert.equal(worker.status, 1);
    assert.match(worker.stderr, /^✖ the worker cannot start: \d+ problems in its environment\n {2}- SUPABASE_URL: missing/);
    const proxy = spawnSync(process.execPath, [path.join(outDir, ARTIFACTS.proxy)], { env: { PATH: process.env.PATH ?? "" }, encoding: "utf8", timeout: 60_000 });
    assert.equal(proxy.status, 1);
    assert.match(proxy.stderr, /^✖ the Temporal proxy cannot start: 3 problems in its environment\n/);
  });
});

describe("the built worker and proxy on the local stack", () => {
  let outDir: string;
  let outbox: string;
  let supabase: SupabaseClient;
  let db: pg.Client;
  let temporal: { client: Client; close(): Promise<void> };
  const running: BuiltProcess[] = [];

  before(async () => {
    outDir = builtArtifacts();
    outbox = fs.mkdtempSync(path.join(os.tmpdir(), "outbox-"));
    supabase = createClient(required("SUPABASE_URL"), required("SUPABASE_SERVICE_ROLE_KEY"), {
      auth: { persistSession: false },
    });
    db = new pg.Client({ connectionString: required("SUPABASE_DB_URL") });
    await db.connect();
    const connection = await Connection.connect({ address: required("TEMPORAL_ADDRESS") });
    temporal = { client: new Client({ connection, namespace: required("TEMPORAL_NAMESPACE") }), close: () => connection.close() };
  });
  after(async () => {
    for (const process of running.splice(0)) await process.stop(1_000);
    await db?.end();
    await temporal?.close();
    fs.rmSync(outbox, { recursive: true, force: true });
  });

  /** `organization.bootstrap.initiated`, written as the edge function writes it, nothing started. */
  async function recordBootstrap(): Promise<BootstrapStartIdentity> {
    const organizationId = randomUUID();
    const tag = randomBytes(4).toString("hex");
    const payload = { name: `Built ${tag}`, subdomain: `built-${tag}`, contactEmail: `ops@built-${tag}.test`, admins: [{ email: `ada@built-${tag}.test` }] };
    const { data, error } = await supabase.rpc("emit_domain_event", emitArgs(organizationId, EVENT_TYPES.bootstrapInitiated, payload, { source: "test" }));
    assert.equal(error, null);
    return { eventId: data as string, organizationId };
  }

  const organization = (id: string) =>
    eventually(`organization ${id} to be active`, async () => {
      const { rows } = await db.query("select status, bootstrap_started_by from organizations_projection where id = $1", [id]);
      return rows[0]?.status === "active" ? (rows[0] as { status: string; bootstrap_started_by: string | null }) : undefined;
    }, 60_000);

  test("a bootstrap started over gRPC-web through the built proxy is run to active by the built worker; both stop cleanly on SIGTERM", async () => {
    const token = randomBytes(32).toString("hex");
    const proxy = await startBuiltProxy(outDir, token);
    running.push(proxy);
    // Reconciler off: only the start through the proxy may start this workflow. The worker has no
    // workflow sources beside it (dist/workflows/index.ts does not exist): it runs the prebuilt bundle.
    const worker = await startBuiltWorker(outDir, outbox, { RECONCILER_ENABLED: "false" });
    running.push(worker);

    assert.equal((await fetch(`${proxy.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${worker.url}/healthz`)).status, 200);
    await eventually("the worker's /readyz to answer 200", async () => ((await fetch(`${worker.url}/readyz`)).status === 200 ? true : undefined), 20_000);

    const input = await recordBootstrap();
    // The edge function's start request (requestId: the event id).
    const start = { ...bootstrapWorkflowStart(input, "edge"), requestId: input.eventId };
    const viaProxy = createTemporalClient({ proxyUrl: proxy.url, proxyToken: token, namespace: required("TEMPORAL_NAMESPACE"), identity: "build.test" });
    const started = await viaProxy.startWorkflow(start);
    assert.equal(started.status, "started");

    await organization(input.organizationId);
    const description = await eventually("the workflow to be COMPLETED", async () => {
      const d = await viaProxy.describeWorkflow(start.workflowId);
      return d.status === "COMPLETED" ? d : undefined;
    }, 10_000);
    assert.equal(description.runId, started.runId);
    assert.ok(fs.readdirSync(outbox).length > 0, "the local email provider wrote the invitation");

    assert.equal(await worker.stop(), 0, worker.output());
    assert.match(worker.output(), /"msg":"worker stopped"/);
    assert.equal(await proxy.stop(), 0, proxy.output());
  });

  test("the built worker's reconciler starts a bootstrap nobody started (Realtime, then sweeps)", async () => {
    const scheduleId = `build-test-${randomUUID()}`;
    const worker = await startBuiltWorker(outDir, outbox, { RECONCILE_SCHEDULE_ID: scheduleId, CANARY_ENABLED: "false", RECONCILE_GRACE: "0s" });
    running.push(worker);
    try {
      const input = await recordBootstrap();
      const org = await organization(input.organizationId);
      assert.ok(org.bootstrap_started_by === "realtime" || org.bootstrap_started_by === "sweep", `started by ${org.bootstrap_started_by}`);
      assert.equal(await worker.stop(), 0, worker.output());
    } finally {
      await temporal.client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
    }
  });
});
