/**
 * The worker's HTTP server and readiness rules, with fake sources (the real worker's answers are
 * checked in reconciler-realtime.test.ts and reconciler-main.test.ts).
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Client } from "@temporalio/client";
import type { Worker } from "@temporalio/worker";
import { ReconcilerMetrics } from "../src/reconciler/metrics.ts";
import { workerReadiness } from "../src/observability/readiness.ts";
import { PortInUseError, startObservabilityServer, type ObservabilityServer, type ReadinessReport } from "../src/observability/server.ts";

const servers: Array<{ close(): Promise<void> }> = [];
after(async () => { for (const server of servers) await server.close(); });

async function serve(readiness: () => Promise<ReadinessReport>, metrics = new ReconcilerMetrics({ defaultMetrics: false })): Promise<ObservabilityServer> {
  const server = await startObservabilityServer({ host: "127.0.0.1", port: 0, portExplicit: true, registry: metrics.registry, readiness });
  servers.push(server);
  return server;
}

/** A listener on a free loopback port, standing in for whatever already took it. */
async function occupiedPort(): Promise<number> {
  const blocker = http.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  servers.push({ close: () => new Promise((resolve) => blocker.close(() => resolve())) });
  return (blocker.address() as AddressInfo).port;
}

test("/healthz is 200 while /readyz follows readiness (503 then 200), both JSON", async () => {
  let ready = false;
  const server = await serve(async () => ({ ready, body: { status: ready ? "ready" : "starting" } }));
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  assert.match(health.headers.get("content-type") ?? "", /^application\/json/);
  assert.deepEqual(await health.json(), { status: "ok" });

  const starting = await fetch(`${server.url}/readyz`);
  assert.equal(starting.status, 503);
  assert.deepEqual(await starting.json(), { status: "starting" });
  ready = true;
  const readyNow = await fetch(`${server.url}/readyz`);
  assert.equal(readyNow.status, 200);
  assert.deepEqual(await readyNow.json(), { status: "ready" });
  assert.equal((await fetch(`${server.url}/readyz`, { method: "HEAD" })).status, 200);
});

test("/metrics is Prometheus text with the reconciler's series; other paths and methods are refused plainly", async () => {
  const metrics = new ReconcilerMetrics({ defaultMetrics: false, triggers: ["organization-bootstrap", "organization-deactivate"] });
  metrics.workflowStarted("organization-bootstrap", "sweep");
  metrics.setRealtimeState("subscribed");
  metrics.canaryReturned(0.12);
  const server = await serve(async () => ({ ready: true, body: {} }), metrics);
  const response = await fetch(`${server.url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  assert.match(text, /^# HELP workflows_started_total Workflows this worker started for trigger events/m);
  assert.match(text, /^workflows_started_total\{trigger="organization-bootstrap",path="sweep"\} 1$/m);
  assert.match(text, /^workflows_started_total\{trigger="organization-bootstrap",path="realtime"\} 0$/m, "zero series exist before the first event");
  assert.match(text, /^workflows_started_total\{trigger="organization-deactivate",path="sweep"\} 0$/m, "for every declared trigger");
  assert.match(text, /^workflow_reconcile_lag_seconds\{trigger="organization-deactivate"\} 0$/m);
  assert.match(text, /^realtime_state\{state="subscribed"\} 1$/m);
  assert.match(text, /^realtime_state\{state="down"\} 0$/m);
  assert.match(text, /^realtime_canary_roundtrip_seconds_bucket\{le="0\.2"\} 1$/m);

  const missing = await fetch(`${server.url}/nope`);
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { error: string }).error, /use \/healthz, \/readyz or \/metrics/);
  const post = await fetch(`${server.url}/healthz`, { method: "POST" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
});

test("a failing readiness check answers 500 with its message instead of hanging the probe", async () => {
  const server = await serve(async () => { throw new Error("boom"); });
  const response = await fetch(`${server.url}/readyz`);
  assert.equal(response.status, 500);
  assert.deepEqual(await response.json(), { error: "boom" });
});

test("a configured port that is taken stops startup; the default one falls back to a free port and says so", async () => {
  const port = await occupiedPort();
  const registry = new ReconcilerMetrics({ defaultMetrics: false }).registry;
  const readiness = async () => ({ ready: true, body: {} });
  await assert.rejects(
    startObservabilityServer({ host: "127.0.0.1", port, portExplicit: true, registry, readiness }),
    (error: unknown) => error instanceof PortInUseError && new RegExp(`WORKER_HTTP_PORT ${port} on 127\\.0\\.0\\.1 is already in use`).test(error.message),
  );
  const warnings: string[] = [];
  const fallback = await startObservabilityServer({ host: "127.0.0.1", port, portExplicit: false, registry, readiness, warn: (m) => warnings.push(m) });
  servers.push(fallback);
  assert.notEqual(fallback.port, port);
  assert.equal((await fetch(`${fallback.url}/healthz`)).status, 200);
  assert.deepEqual(warnings, [`port ${port} is taken (another worker?): serving /healthz /readyz /metrics on port ${fallback.port} instead`]);
});

function fakeWorker(state: string): Worker {
  return { getState: () => state } as unknown as Worker;
}

function fakeClient(systemInfo: () => Promise<unknown>): Client & { calls: number } {
  const client = {
    calls: 0,
    withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
    workflowService: { getSystemInfo: () => { client.calls += 1; return systemInfo(); } },
  };
  return client as unknown as Client & { calls: number };
}

test("readiness: starting until the worker exists; ready only when it polls and Temporal answers; Realtime is reported, never required", async () => {
  let running: { worker: Worker; client: Client } | undefined;
  const realtime = { state: "down" as const, degraded: false };
  const check = workerReadiness({ worker: () => running, reconciler: () => ({ enabled: true, realtime }), cacheMs: 0 });

  const starting = await check();
  assert.deepEqual([starting.ready, starting.body["status"]], [false, "starting"]);

  running = { worker: fakeWorker("RUNNING"), client: fakeClient(async () => ({})) };
  const ready = await check();
  assert.equal(ready.ready, true, JSON.stringify(ready.body));
  assert.deepEqual(ready.body, { status: "ready", worker: "RUNNING", temporal: "connected", reconciler: { enabled: true, realtime } });

  running = { worker: fakeWorker("RUNNING"), client: fakeClient(async () => { throw new Error("14 UNAVAILABLE: connection refused"); }) };
  const noTemporal = await check();
  assert.deepEqual([noTemporal.ready, noTemporal.body["temporal"]], [false, "unreachable: 14 UNAVAILABLE: connection refused"]);

  running = { worker: fakeWorker("DRAINING"), client: fakeClient(async () => ({})) };
  assert.deepEqual([(await check()).ready, (await check()).body["worker"]], [false, "DRAINING"]);
});

test("readiness: Temporal is asked at most once per cache period, however often the probe comes", async () => {
  const client = fakeClient(async () => ({}));
  const check = workerReadiness({ worker: () => ({ worker: fakeWorker("RUNNING"), client }), cacheMs: 60_000 });
  for (let i = 0; i < 5; i += 1) assert.equal((await check()).ready, true);
  assert.equal(client.calls, 1);
});
