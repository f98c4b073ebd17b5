/**
 * The reconciler's pieces without servers: settings, backoff, the start request, "ensure" and the
 * sweep against fakes. The same pieces against the real stack are in the other reconciler suites.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { bootstrapWorkflowStart, type BootstrapStartIdentity } from "@org-bootstrap/shared/bootstrap-input.ts";
import { z } from "zod";
import {
  organizationBootstrapTrigger, organizationDeactivateTrigger, triggerIndex, workflowIdOf, WORKFLOW_TRIGGERS, type WorkflowTrigger,
} from "@org-bootstrap/shared/triggers/index.ts";
import { decodeUnaryRequest } from "@org-bootstrap/shared/grpc-web/request.ts";
import { encodeGrpcWebBody } from "@org-bootstrap/shared/grpc-web/response.ts";
import { GrpcStatus } from "@org-bootstrap/shared/grpc-web/status.ts";
import { createTemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { workflowservice } from "@org-bootstrap/shared/temporal/proto.ts";
import { BOOTSTRAP_TASK_QUEUE, BOOTSTRAP_WORKFLOW_TYPE, type StartedBy } from "@org-bootstrap/shared/workflow-contract.ts";
import { Backoff } from "../src/reconciler/backoff.ts";
import { parseReconcilerEnv } from "../src/reconciler/config.ts";
import { formatDuration, parseDuration } from "../src/reconciler/duration.ts";
import { WorkflowEnsurer } from "../src/reconciler/ensure.ts";
import { Limiter } from "../src/reconciler/limiter.ts";
import { errorMessage, memoryLog } from "../src/reconciler/log.ts";
import { ReconcilerMetrics } from "../src/reconciler/metrics.ts";
import type { RecordWorkflowStarted } from "../src/reconciler/record-started.ts";
import { triggerStartRequest, type StartResult, type WorkflowStarter } from "../src/reconciler/starter.ts";
import { sweepPending } from "../src/reconciler/sweep.ts";
import { triggerEventsFilter } from "../src/reconciler/realtime-listener.ts";
import { jwtExpiryMs } from "../src/reconciler/token-refresh.ts";
import { formatEnvProblems, parseWorkerEnv } from "../src/worker/env.ts";
import { compareTriggerRegistry } from "../src/worker/preflight.ts";

const BASE_ENV = {
  SUPABASE_URL: "http://127.0.0.1:54321",
  SUPABASE_SERVICE_ROLE_KEY: "x".repeat(40),
  TEMPORAL_ADDRESS: "127.0.0.1:7233",
  TEMPORAL_NAMESPACE: "default",
};

function row(overrides: Record<string, unknown> = {}) {
  const organizationId = randomUUID();
  return {
    id: randomUUID(),
    stream_id: organizationId,
    stream_type: "organization",
    event_type: "organization.bootstrap.initiated",
    event_data: { name: "Acme", subdomain: `acme-${organizationId.slice(0, 8)}`, contactEmail: "ops@acme.test", admins: [{ email: "ada@acme.test" }] },
    created_at: new Date(Date.now() - 42_000).toISOString(),
    ...overrides,
  };
}

/** A Temporal that knows which workflow ids exist, who started each, and how each closed. */
function fakeTemporal(options: { failStart?: (streamId: string) => Error | undefined } = {}) {
  const runs = new Map<string, { runId: string; startedBy: StartedBy; status: string; didNothing?: boolean }>();
  const calls: string[] = [];
  const starter: WorkflowStarter = {
    async start(trigger, ref, startedBy, startOptions = {}): Promise<StartResult> {
      calls.push(`start ${ref.streamId} ${startedBy}${startOptions.replacingRunThatDidNothing ? " replacing" : ""}`);
      await new Promise((resolve) => setImmediate(resolve));
      const failure = options.failStart?.(ref.streamId);
      if (failure) throw failure;
      const workflowId = workflowIdOf(trigger, ref);
      const existing = runs.get(workflowId);
      // REJECT_DUPLICATE, or ALLOW_DUPLICATE_FAILED_ONLY when replacing.
      if (existing && !(startOptions.replacingRunThatDidNothing && existing.status !== "RUNNING" && existing.status !== "COMPLETED")) return { status: "already_started" };
      const runId = randomUUID();
      runs.set(workflowId, { runId, startedBy, status: "RUNNING" });
      return { status: "started", runId };
    },
    async describe(workflowId) {
      calls.push(`describe ${workflowId}`);
      const run = runs.get(workflowId);
      if (!run) throw new Error(`no workflow ${workflowId}`);
      return { runId: run.runId, startedBy: run.startedBy, status: run.status };
    },
    async closedHavingDoneNothing(workflowId) {
      calls.push(`result ${workflowId}`);
      return runs.get(workflowId)?.didNothing === true;
    },
  };
  return { starter, runs, calls };
}

function ensurerWith(temporal: ReturnType<typeof fakeTemporal>, recordFails = false, triggers: readonly WorkflowTrigger[] = [organizationBootstrapTrigger]) {
  const records: Array<{ organizationId: string; runId: string; startedBy: StartedBy; trigger?: string }> = [];
  const record: RecordWorkflowStarted = async (trigger, ref, data) => {
    if (recordFails) throw new Error("event store down");
    records.push({ organizationId: ref.streamId, runId: data.runId, startedBy: data.startedBy, ...(trigger === organizationBootstrapTrigger ? {} : { trigger: trigger.name }) });
  };
  const metrics = new ReconcilerMetrics({ defaultMetrics: false });
  const log = memoryLog();
  const index = triggerIndex(triggers);
  return { ensurer: new WorkflowEnsurer({ starter: temporal.starter, record, metrics, log, triggers: index }), records, metrics, log, triggers: index };
}

async function metric(metrics: ReconcilerMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const found = (await metrics.registry.getSingleMetric(name)?.get())?.values.find((v) =>
    Object.entries(labels).every(([k, value]) => (v.labels as Record<string, unknown>)[k] === value));
  return found?.value ?? 0;
}

test("durations: 30s, 500ms, 2m, 1h and bare seconds; anything else is refused", () => {
  assert.deepEqual(["30s", "500ms", "2m", "1h", "15", "0s", "1.5s"].map(parseDuration), [30_000, 500, 120_000, 3_600_000, 15_000, 0, 1500]);
  for (const bad of ["", "s", "-1s", "10 minutes", "1d", "1e3"]) assert.equal(parseDuration(bad), undefined, bad);
  assert.deepEqual([500, 1500, 30_000, 90_000].map(formatDuration), ["500ms", "1.5s", "30s", "1.5m"]);
});

test("settings: documented defaults per mode, and every bad value named with its fix among the worker's problems", () => {
  const local = parseReconcilerEnv({}, "local");
  assert.ok(local.ok);
  assert.deepEqual(local.reconciler, {
    enabled: true, intervalMs: 30_000, graceMs: 10_000, scheduleId: "reconcile-bootstraps", concurrency: 16,
    canary: { enabled: true, intervalMs: 15_000, timeoutMs: 5_000 },
    stuckAfterMs: 120_000,
  });
  assert.deepEqual(local.http, { host: "127.0.0.1", port: 54330, portExplicit: false });
  const production = parseReconcilerEnv({ CANARY_ENABLED: "false" }, "production");
  assert.ok(production.ok);
  assert.equal(production.reconciler.canary.enabled, false);
  assert.equal(production.http.host, "0.0.0.0");
  const productionDefault = parseReconcilerEnv({}, "production");
  assert.ok(productionDefault.ok);
  assert.deepEqual(productionDefault.reconciler.canary, { enabled: true, intervalMs: 60_000, timeoutMs: 5_000 }, "production: on, once a minute");
  const tunedCanary = parseReconcilerEnv({ CANARY_INTERVAL: "20s" }, "production");
  assert.equal(tunedCanary.ok && tunedCanary.reconciler.canary.intervalMs, 20_000);
  assert.deepEqual(parseReconcilerEnv({ CANARY_TIMEOUT: "90s" }, "production"), { ok: false, problems: ["CANARY_TIMEOUT: must be shorter than CANARY_INTERVAL (one canary at a time)"] });

  const tuned = parseWorkerEnv({ ...BASE_ENV, WORKFLOW_MODE: "local", RECONCILE_INTERVAL: "2s", RECONCILE_GRACE: "0s", WORKER_HTTP_PORT: "0", RECONCILER_ENABLED: "false", RECONCILE_CONCURRENCY: "48" });
  assert.ok(tuned.ok);
  assert.deepEqual([tuned.config.reconciler.intervalMs, tuned.config.reconciler.graceMs, tuned.config.http.port, tuned.config.http.portExplicit, tuned.config.reconciler.enabled, tuned.config.reconciler.concurrency], [2000, 0, 0, true, false, 48]);

  const bad = parseWorkerEnv({
    ...BASE_ENV, WORKFLOW_MODE: "local", RECONCILE_INTERVAL: "soon", RECONCILE_GRACE: "-1s", CANARY_ENABLED: "maybe",
    WORKER_HTTP_PORT: "http", RECONCILE_SCHEDULE_ID: "has spaces", RECONCILE_CONCURRENCY: "0",
  });
  assert.ok(!bad.ok);
  const message = formatEnvProblems(bad.problems);
  assert.match(message, /6 problems/);
  assert.match(message, /RECONCILE_CONCURRENCY: at least 1/);
  assert.match(message, /RECONCILE_INTERVAL: not a duration: how often the sweep runs, e\.g\. 30s/);
  assert.match(message, /RECONCILE_GRACE: not a duration/);
  assert.match(message, /CANARY_ENABLED: must be true or false/);
  assert.match(message, /WORKER_HTTP_PORT: not a port number/);
  assert.match(message, /RECONCILE_SCHEDULE_ID: letters, digits/);
  const tooShort = parseReconcilerEnv({ RECONCILE_INTERVAL: "100ms", CANARY_INTERVAL: "1s", CANARY_TIMEOUT: "2s" }, "local");
  assert.ok(!tooShort.ok);
  assert.match(tooShort.problems.join("\n"), /RECONCILE_INTERVAL: too short: at least 1000 ms/);
  const slowCanary = parseReconcilerEnv({ CANARY_INTERVAL: "1s", CANARY_TIMEOUT: "2s" }, "local");
  assert.deepEqual(slowCanary.ok ? [] : slowCanary.problems, ["CANARY_TIMEOUT: must be shorter than CANARY_INTERVAL (one canary at a time)"]);
});

test("backoff: full jitter under a ceiling that doubles from the base to the cap; reset starts over", () => {
  const top = new Backoff({ baseMs: 250, capMs: 30_000, random: () => 0.999999 });
  assert.deepEqual(Array.from({ length: 10 }, () => top.next()), [250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.equal(top.attempts, 10);
  top.reset();
  assert.equal(top.next(), 250);
  const spread = new Backoff({ baseMs: 1000, capMs: 1000 });
  const delays = Array.from({ length: 200 }, () => spread.next());
  assert.ok(delays.every((d) => d >= 0 && d <= 1000));
  assert.ok(new Set(delays).size > 50, "jittered, not lockstep");
});

test("limiter: never more than its limit at once, in arrival order", async () => {
  const limiter = new Limiter(3);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  await Promise.all(Array.from({ length: 10 }, (_, i) => limiter.run(async () => {
    running += 1;
    peak = Math.max(peak, running);
    await new Promise((resolve) => setTimeout(resolve, 5));
    order.push(i);
    running -= 1;
  })));
  assert.equal(peak, 3);
  assert.deepEqual(order.slice(0, 3).sort(), [0, 1, 2]);
  assert.throws(() => new Limiter(0), RangeError);
});

test("the reconciler's start request is the edge function's, field for field (only requestId and identity differ)", async () => {
  const r = row();
  const input: BootstrapStartIdentity = { eventId: r.id, organizationId: r.stream_id };
  let edgeBody: Uint8Array | undefined;
  const edge = createTemporalClient({
    proxyUrl: "http://proxy.test",
    proxyToken: "t".repeat(40),
    namespace: "default",
    fetch: async (_url, init) => {
      edgeBody = new Uint8Array(init.body as Uint8Array);
      const response = workflowservice.StartWorkflowExecutionResponse.encode({ runId: "run-1", started: true }).finish();
      return new Response(encodeGrpcWebBody([response], { code: GrpcStatus.OK, message: "" }) as Uint8Array<ArrayBuffer>, {
        status: 200, headers: { "content-type": "application/grpc-web+proto" },
      });
    },
  });
  // What supabase/functions/organization-bootstrap/handler.ts passes, for the same input.
  await edge.startWorkflow({ ...bootstrapWorkflowStart(input, "realtime"), requestId: input.eventId });
  const fromEdge = workflowservice.StartWorkflowExecutionRequest.toObject(
    workflowservice.StartWorkflowExecutionRequest.decode(decodeUnaryRequest(edgeBody!, 1 << 20)), { defaults: false, bytes: String });
  const ours = workflowservice.StartWorkflowExecutionRequest.toObject(
    workflowservice.StartWorkflowExecutionRequest.decode(
      workflowservice.StartWorkflowExecutionRequest.encode(
        triggerStartRequest("default", organizationBootstrapTrigger, { eventId: input.eventId, streamId: input.organizationId }, "realtime", { requestId: "ours", identity: "worker" }),
      ).finish(),
    ), { defaults: false, bytes: String });
  assert.deepEqual({ ...ours, requestId: undefined, identity: undefined }, { ...fromEdge, requestId: undefined, identity: undefined });
  assert.equal(ours["workflowIdConflictPolicy"], fromEdge["workflowIdConflictPolicy"]);
  assert.ok(ours["memo"] && ours["searchAttributes"] && ours["userMetadata"], "memo, search attributes and summary are all there");
});

test("ensure: the path that creates the run records it; a second path finds it already started and writes nothing", async () => {
  const temporal = fakeTemporal();
  const { ensurer, records, metrics } = ensurerWith(temporal);
  const event = row();
  const first = await ensurer.ensure(event, "realtime");
  assert.equal(first.kind, "started");
  // Until its record has landed, the attempt is joined, not repeated (a sweep would otherwise describe and record it again).
  assert.equal(await ensurer.ensure(event, "sweep"), first);
  if (first.kind === "started") await first.recorded;
  assert.deepEqual(records, [{ organizationId: event.stream_id, runId: temporal.runs.get(`org-bootstrap-${event.stream_id}`)!.runId, startedBy: "realtime" }]);
  await new Promise((resolve) => setImmediate(resolve));
  const second = await ensurer.ensure(event, "realtime");
  assert.deepEqual(second, { kind: "already_started", trigger: "organization-bootstrap", eventId: event.id, workflowId: `org-bootstrap-${event.stream_id}` });
  assert.equal(records.length, 1);
  assert.ok(!temporal.calls.some((c) => c.startsWith("describe")), "the Realtime path never describes");
  assert.equal(await metric(metrics, "workflows_started_total", { trigger: "organization-bootstrap", path: "realtime" }), 1);
  assert.equal(await metric(metrics, "workflows_already_started_total", { trigger: "organization-bootstrap", path: "realtime" }), 1);
});

test("ensure: the sweep records a run it finds without a record, naming the starter from the run's memo", async () => {
  const temporal = fakeTemporal();
  const event = row();
  temporal.runs.set(`org-bootstrap-${event.stream_id}`, { runId: "run-by-edge", startedBy: "edge", status: "RUNNING" });
  const { ensurer, records } = ensurerWith(temporal);
  const outcome = await ensurer.ensure(event, "sweep");
  assert.deepEqual(outcome, { kind: "already_started", trigger: "organization-bootstrap", eventId: event.id, workflowId: `org-bootstrap-${event.stream_id}`, runId: "run-by-edge", startedBy: "edge" });
  assert.deepEqual(records, [{ organizationId: event.stream_id, runId: "run-by-edge", startedBy: "edge" }]);
});

test("ensure: concurrent ensures of one event share one attempt; an invalid event is reported once and starts nothing", async () => {
  const temporal = fakeTemporal();
  const { ensurer, metrics, log } = ensurerWith(temporal);
  const event = row();
  const outcomes = await Promise.all([ensurer.ensure(event, "realtime"), ensurer.ensure(event, "sweep"), ensurer.ensure(event, "realtime")]);
  assert.deepEqual(outcomes.map((o) => o.kind), ["started", "started", "started"]);
  assert.equal(temporal.calls.filter((c) => c.startsWith("start")).length, 1);

  const invalid = row({ event_data: { name: "", subdomain: "NO", admins: [] } });
  for (let i = 0; i < 3; i += 1) assert.equal((await ensurer.ensure(invalid, "sweep")).kind, "invalid");
  assert.equal(temporal.calls.filter((c) => c.startsWith("start")).length, 1, "no start for an invalid event");
  assert.equal(await metric(metrics, "workflow_invalid_events_total", { trigger: "organization-bootstrap" }), 1);
  assert.equal(log.lines.filter((l) => l.includes(invalid.id)).length, 1);
  assert.match(log.lines.find((l) => l.includes(invalid.id))!, /^error .*needs a person.*reason="?name /);
});

test("ensure: a failed start rejects and is counted; a failed record after a start does not (the workflow records itself)", async () => {
  const down = fakeTemporal({ failStart: () => Object.assign(new Error("Failed to start Workflow"), { cause: new Error("14 UNAVAILABLE: connection refused") }) });
  const { ensurer, metrics } = ensurerWith(down);
  await assert.rejects(ensurer.ensure(row(), "realtime"), /ensuring org-bootstrap-.* failed: Failed to start Workflow: 14 UNAVAILABLE: connection refused/);
  assert.equal(await metric(metrics, "workflow_ensure_errors_total", { trigger: "organization-bootstrap", path: "realtime" }), 1);

  const up = fakeTemporal();
  const failing = ensurerWith(up, true);
  const outcome = await failing.ensurer.ensure(row(), "realtime");
  assert.equal(outcome.kind, "started");
  if (outcome.kind === "started") await outcome.recorded; // settles, never rejects
  assert.ok(failing.log.lines.some((l) => l.startsWith("warn") && l.includes("workflow_started not written")));
});

test("sweep: starts do not wait for their records, and the next page is read while the last starts of a page run", { timeout: 10_000 }, async () => {
  const temporal = fakeTemporal();
  const records: Array<{ organizationId: string }> = [];
  const timeline: string[] = [];
  let startCount = 0;
  let releaseRecords!: () => void;
  const allStarted = new Promise<void>((resolve) => (releaseRecords = resolve));
  const starter: WorkflowStarter = {
    start: async (trigger, ref, startedBy) => {
      timeline.push("start");
      if (++startCount === 6) releaseRecords();
      return temporal.starter.start(trigger, ref, startedBy);
    },
    describe: (workflowId) => temporal.starter.describe(workflowId),
    closedHavingDoneNothing: (workflowId) => temporal.starter.closedHavingDoneNothing(workflowId),
  };
  // No record lands before every start has been made: a sweep whose starts waited for their records would hang here.
  const record: RecordWorkflowStarted = async (_trigger, ref) => {
    await allStarted;
    records.push({ organizationId: ref.streamId });
    timeline.push("recorded");
  };
  const metrics = new ReconcilerMetrics({ defaultMetrics: false });
  const log = memoryLog();
  const triggers = triggerIndex([organizationBootstrapTrigger]);
  const ensurer = new WorkflowEnsurer({ starter, record, metrics, log, triggers, concurrency: 1 });
  const rows = Array.from({ length: 6 }, () => row());
  const pending = fakePending(rows, records);
  const readPending = async (olderThanMs: number, limit: number) => {
    timeline.push("read");
    return pending.readPending(olderThanMs, limit);
  };
  const summary = await sweepPending({ readPending, ensurer, triggers, metrics, log, pageSize: 3, concurrency: 1 }, 0, "catch_up");
  assert.deepEqual([summary.found, summary.started, summary.alreadyStarted], [6, 6, 0]);
  assert.equal(records.length, 6, "the sweep returns once its records have landed");
  assert.equal(new Set(records.map((r) => r.organizationId)).size, 6, "each row started and recorded once");
  // Page 2 is read as page 1's last row is handed out, before it starts; unrecorded rows it sees again are skipped.
  assert.deepEqual(timeline.slice(0, 5), ["read", "start", "start", "read", "start"]);
  assert.deepEqual(timeline.filter((t) => t === "start").length, 6);
  assert.ok(timeline.indexOf("recorded") > timeline.lastIndexOf("start"));
});

/** A pending set as pending_trigger_events serves it: rows leave once recorded, oldest first, at most `limit`. */
function fakePending(rows: Array<ReturnType<typeof row>>, records: Array<{ organizationId: string }>) {
  const reads: number[] = [];
  const readPending = async (_olderThanMs: number, limit: number) => {
    reads.push(limit);
    const recorded = new Set(records.map((r) => r.organizationId));
    return rows.filter((r) => !recorded.has(r.stream_id)).slice(0, limit);
  };
  return { readPending, reads };
}

test("sweep: pages until nothing new is pending, and invalid events at the front never stall it", async () => {
  const temporal = fakeTemporal();
  const { ensurer, records, metrics, log, triggers } = ensurerWith(temporal);
  const invalid = Array.from({ length: 3 }, () => row({ event_data: {} }));
  const valid = Array.from({ length: 7 }, () => row());
  const pending = fakePending([...invalid, ...valid], records);
  const summary = await sweepPending({ readPending: pending.readPending, ensurer, triggers, metrics, log, pageSize: 2, concurrency: 2 }, 0, "schedule");
  assert.deepEqual([summary.found, summary.started, summary.invalid, summary.alreadyStarted], [10, 7, 3, 0]);
  assert.equal(records.length, 7);
  assert.ok(summary.pages >= 4, `paged: ${pending.reads.join(",")}`);
  assert.ok(Math.abs(summary.oldestAgeSeconds - 42) < 5, "the oldest pending event's age");
  assert.ok((await metric(metrics, "workflow_reconcile_lag_seconds", { trigger: "organization-bootstrap" })) >= 40);
  assert.equal(await metric(metrics, "reconciler_sweeps_total", { sweep: "schedule", outcome: "ok" }), 1);

  const again = await sweepPending({ readPending: pending.readPending, ensurer, triggers, metrics, log, pageSize: 2 }, 0, "schedule");
  assert.deepEqual([again.found, again.started], [3, 0], "only the invalid ones remain");
});

test("ensure: at most `concurrency` starts in flight, however many rows arrive at once", async () => {
  let inFlight = 0;
  let most = 0;
  const starter: WorkflowStarter = {
    async start(): Promise<StartResult> {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return { status: "started", runId: randomUUID() };
    },
    describe: () => Promise.reject(new Error("not used")),
    closedHavingDoneNothing: () => Promise.reject(new Error("not used")),
  };
  const ensurer = new WorkflowEnsurer({ starter, record: async () => {}, metrics: new ReconcilerMetrics({ defaultMetrics: false }), log: memoryLog(), concurrency: 3 });
  const outcomes = await Promise.all(Array.from({ length: 12 }, () => ensurer.ensure(row(), "realtime")));
  assert.deepEqual(new Set(outcomes.map((o) => o.kind)), new Set(["started"]));
  assert.equal(most, 3);
});

test("sweep: a Temporal failure stops the sweep, counts it, and leaves the rest pending", async () => {
  const rows = Array.from({ length: 6 }, () => row());
  const failing = new Set<string>([rows[2]!.stream_id]);
  const temporal = fakeTemporal({ failStart: (streamId) => (failing.has(streamId) ? new Error("Timeout expired") : undefined) });
  const { ensurer, records, metrics, log, triggers } = ensurerWith(temporal);
  const pending = fakePending(rows, records);
  await assert.rejects(sweepPending({ readPending: pending.readPending, ensurer, triggers, metrics, log, pageSize: 10, concurrency: 1 }, 0, "catch_up"), /Timeout expired/);
  assert.equal(records.length, 2, "it stopped at the failure (one at a time)");
  assert.equal(await metric(metrics, "reconciler_sweeps_total", { sweep: "catch_up", outcome: "error" }), 1);
  assert.ok(log.lines.some((l) => l.startsWith("warn") && l.includes("sweep (catch_up) stopped")));
});

test("token expiry is read from a JWT's exp; opaque keys and JWTs without exp have none", () => {
  const jwt = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.s`;
  assert.equal(jwtExpiryMs(jwt({ exp: 1_900_000_000, role: "authenticated" })), 1_900_000_000_000);
  assert.equal(jwtExpiryMs(jwt({ role: "service_role" })), undefined);
  assert.equal(jwtExpiryMs("sb_secret_abc"), undefined);
  assert.equal(jwtExpiryMs(null), undefined);
});

test("error messages include their causes, once each", () => {
  const error = new Error("Failed to start Workflow", { cause: new Error("14 UNAVAILABLE: No connection established") });
  assert.equal(errorMessage(error), "Failed to start Workflow: 14 UNAVAILABLE: No connection established");
  assert.equal(errorMessage("plain"), "plain");
});

test("ensure (sweep): a run that came before its event and did nothing is replaced; a run stopped by hand, or one that worked, is not", async () => {
  const temporal = fakeTemporal();
  const { ensurer, records, metrics } = ensurerWith(temporal);
  const preempted = row();
  const terminated = row();
  const failedAfterWork = row();
  temporal.runs.set(`org-bootstrap-${preempted.stream_id}`, { runId: "early", startedBy: "edge", status: "FAILED", didNothing: true });
  temporal.runs.set(`org-bootstrap-${terminated.stream_id}`, { runId: "stopped", startedBy: "edge", status: "TERMINATED" });
  temporal.runs.set(`org-bootstrap-${failedAfterWork.stream_id}`, { runId: "worked", startedBy: "edge", status: "FAILED" });

  // Realtime never replaces: only the sweep looks at how the existing run ended.
  assert.equal((await ensurer.ensure(preempted, "realtime")).kind, "already_started");
  assert.equal(temporal.runs.get(`org-bootstrap-${preempted.stream_id}`)?.runId, "early");

  const replaced = await ensurer.ensure(preempted, "sweep");
  assert.equal(replaced.kind, "started");
  if (replaced.kind === "started") await replaced.recorded;
  const newRun = temporal.runs.get(`org-bootstrap-${preempted.stream_id}`);
  assert.notEqual(newRun?.runId, "early");
  assert.ok(temporal.calls.includes(`start ${preempted.stream_id} sweep replacing`));
  assert.deepEqual(records.find((r) => r.organizationId === preempted.stream_id), { organizationId: preempted.stream_id, runId: newRun?.runId, startedBy: "sweep" });

  for (const [event, runId] of [[terminated, "stopped"], [failedAfterWork, "worked"]] as const) {
    const outcome = await ensurer.ensure(event, "sweep");
    assert.equal(outcome.kind, "already_started");
    assert.equal(temporal.runs.get(`org-bootstrap-${event.stream_id}`)?.runId, runId, "left for a person (bootstrap:retry)");
    assert.ok(!temporal.calls.includes(`start ${event.stream_id} sweep replacing`));
  }
  assert.match(await metrics.registry.metrics(), /workflows_started_total\{trigger="organization-bootstrap",path="sweep"\} 1/);
});

/** A test-only trigger: its own event type and stream type, no search attribute, one workflow per event. */
const pingTrigger: WorkflowTrigger = {
  name: "test-ping",
  streamType: "test",
  eventType: "test.ping.requested",
  startedEventType: "test.ping.workflow_started",
  eventData: z.object({ n: z.number().int() }),
  workflowType: "testPingWorkflow",
  taskQueue: "test-ping-queue",
  workflowIdPrefix: "test-ping-",
  oneWorkflowPer: "event",
  subjectKey: "streamId",
  summary: (streamId) => `Ping ${streamId}`,
};

test("ensure: every declared trigger by one code path (its own workflow id, record, metrics); an undeclared event type is reported once as a person's job", async () => {
  const temporal = fakeTemporal();
  const { ensurer, records, metrics, log } = ensurerWith(temporal, false, [organizationBootstrapTrigger, pingTrigger]);
  const ping = row({ stream_type: "test", event_type: "test.ping.requested", event_data: { n: 1 } });
  const bootstrap = row();
  const [pingOutcome, bootstrapOutcome] = await Promise.all([ensurer.ensure(ping, "realtime"), ensurer.ensure(bootstrap, "realtime")]);
  assert.deepEqual([pingOutcome.kind, pingOutcome.kind === "started" && pingOutcome.workflowId], ["started", `test-ping-${ping.id}`], "one workflow per event: the id is the event's");
  assert.deepEqual([bootstrapOutcome.kind, bootstrapOutcome.kind === "started" && bootstrapOutcome.workflowId], ["started", `org-bootstrap-${bootstrap.stream_id}`]);
  if (pingOutcome.kind === "started") await pingOutcome.recorded;
  if (bootstrapOutcome.kind === "started") await bootstrapOutcome.recorded;
  assert.deepEqual(records.find((r) => r.trigger === "test-ping"), { organizationId: ping.stream_id, runId: temporal.runs.get(`test-ping-${ping.id}`)!.runId, startedBy: "realtime", trigger: "test-ping" });
  assert.equal(await metric(metrics, "workflows_started_total", { trigger: "test-ping", path: "realtime" }), 1);
  assert.equal(await metric(metrics, "workflows_started_total", { trigger: "organization-bootstrap", path: "realtime" }), 1);

  // A ping of the wrong stream type is the ping trigger's, refused; an event type no declaration names is "undeclared".
  const wrongStream = row({ stream_type: "organization", event_type: "test.ping.requested", event_data: { n: 1 } });
  const undeclared = row({ event_type: "organization.offboarding.requested", event_data: {} });
  for (let i = 0; i < 2; i += 1) {
    assert.equal((await ensurer.ensure(wrongStream, "sweep")).kind, "invalid");
    assert.equal((await ensurer.ensure(undeclared, "sweep")).kind, "invalid");
  }
  assert.equal(temporal.calls.filter((c) => c.startsWith("start")).length, 2, "nothing started for either");
  assert.equal(await metric(metrics, "workflow_invalid_events_total", { trigger: "test-ping" }), 1);
  assert.equal(await metric(metrics, "workflow_invalid_events_total", { trigger: "undeclared" }), 1);
  assert.match(log.lines.find((l) => l.includes(undeclared.id))!, /no trigger is declared for event type .*organization\.offboarding\.requested/);
  assert.match(log.lines.find((l) => l.includes(wrongStream.id))!, /trigger=test-ping.*not test\/test\.ping\.requested/);
});

test("sweep: the lag gauge is set per trigger, from each one's oldest pending event (0 for a trigger with none)", async () => {
  const temporal = fakeTemporal();
  const { ensurer, records, metrics, log, triggers } = ensurerWith(temporal, false, [organizationBootstrapTrigger, pingTrigger, organizationDeactivateTrigger]);
  const old = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();
  const rows = [
    row({ created_at: old(90) }),
    row({ stream_type: "test", event_type: "test.ping.requested", event_data: { n: 2 }, created_at: old(30) }),
    row({ created_at: old(10) }),
  ];
  const pending = fakePending(rows, records);
  // The fake pending set drops rows by stream id, so the ping's record takes it out too.
  await sweepPending({ readPending: pending.readPending, ensurer, triggers, metrics, log, pageSize: 10, concurrency: 2 }, 0, "schedule");
  const lag = (trigger: string) => metric(metrics, "workflow_reconcile_lag_seconds", { trigger });
  assert.ok(Math.abs((await lag("organization-bootstrap")) - 90) < 5);
  assert.ok(Math.abs((await lag("test-ping")) - 30) < 5);
  assert.equal(await lag("organization-deactivate"), 0);
});

test("the Realtime filter: the seed plan's eq filter for one trigger, one in filter for several, refused beyond Realtime's 100 values or for a name it cannot carry", () => {
  assert.equal(triggerEventsFilter(["organization.bootstrap.initiated"]), "event_type=eq.organization.bootstrap.initiated");
  assert.equal(
    triggerEventsFilter(WORKFLOW_TRIGGERS.map((t) => t.eventType)),
    "event_type=in.(organization.bootstrap.initiated,organization.deactivation.requested)",
  );
  assert.throws(() => triggerEventsFilter([]), RangeError);
  assert.throws(() => triggerEventsFilter(Array.from({ length: 101 }, (_, i) => `t.e${i}`)), /1 to 100 event types/);
  assert.throws(() => triggerEventsFilter(["a,b"]), /cannot be named/);
});

test("the worker's startup check: a declared trigger the SQL registry lacks (or registers otherwise) is named; registered but undeclared ones are listed apart", () => {
  const registered = WORKFLOW_TRIGGERS.map((t) => ({ event_type: t.eventType, stream_type: t.streamType, started_event_type: t.startedEventType, name: t.name }));
  assert.deepEqual(compareTriggerRegistry(WORKFLOW_TRIGGERS, registered), { missing: [], undeclared: [] });
  const withPing = compareTriggerRegistry([...WORKFLOW_TRIGGERS, pingTrigger], registered);
  assert.deepEqual(withPing.missing, ["test-ping: test/test.ping.requested → test.ping.workflow_started is not registered"]);
  const renamed = compareTriggerRegistry(WORKFLOW_TRIGGERS, registered.map((r, i) => (i === 0 ? { ...r, started_event_type: "organization.bootstrap.started" } : r)));
  assert.match(renamed.missing.join(), /organization-bootstrap: .* is registered as .*→ organization\.bootstrap\.started/);
  const newer = compareTriggerRegistry([organizationBootstrapTrigger], registered);
  assert.deepEqual(newer, { missing: [], undeclared: ["organization-deactivate (organization.deactivation.requested)"] });
});
