/**
 * The fault matrix: during a stream of bootstraps from real admins (supabase-js, retrying 5xx with
 * the same Idempotency-Key), one fault at a time — and, at full size, all of them overlapping — then
 * the same invariant check over everything recorded so far: nothing lost, nothing duplicated, one
 * workflow per event that ended on its own terms, projections equal to a rebuild from the events.
 * Deactivations of organizations earlier scenarios made active (the second trigger) are spread over
 * each stream, so every fault meets both triggers.
 * Sizes: support/scale.ts (CHAOS_SCALE=ci|full).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { checkInvariants } from "./support/invariants.ts";
import { startChaosSystem, type ChaosSystem } from "./support/chaos-system.ts";
import { answersOf, recordScenario } from "./support/record.ts";
import { chaosSizes } from "./support/scale.ts";
import { BootstrapStream, DeactivationStream, type Accepted, type AcceptedDeactivation } from "./support/stream.ts";
import { setTimeout as delay } from "node:timers/promises";

const sizes = chaosSizes();
const N = sizes.bootstrapsPerScenario;
/** Deactivations per scenario, of organizations that earlier scenarios (or the warm-up) made active. */
const D = Math.max(2, Math.floor(N / 5));
/** Slower than the function's 2 s start budget: each direction of the call waits this long. */
const SLOW_TEMPORAL_MS = 1_500;

describe(`fault matrix (${sizes.scale}: ${N} bootstraps per scenario)`, () => {
  let system: ChaosSystem;
  const accepted: Accepted[] = [];
  const deactivations: AcceptedDeactivation[] = [];

  before(async () => {
    system = await startChaosSystem("faults");
    // A warm-up without faults: active organizations for the first scenario's deactivations.
    const warmUp = new BootstrapStream(system, D, sizes.streamConcurrency);
    await warmUp.done;
    accepted.push(...warmUp.accepted);
    const report = await checkInvariants(system, accepted);
    assert.deepEqual(report.problems, [], "the warm-up settles cleanly");
  });

  /** Up to `count` active organizations nobody has asked to deactivate yet. */
  async function deactivationTargets(count: number): Promise<string[]> {
    const { rows } = await system.db.query<{ id: string }>(
      "select id from public.organizations_projection where status = 'active' and deactivation_requested_at is null and id = any($1::uuid[]) limit $2",
      [accepted.map((a) => a.organizationId), count]);
    return rows.map((r) => r.id);
  }
  after(async () => {
    if (system?.unexpectedWorkerExits.length) console.error(`worker exits not caused by the suite:\n${system.unexpectedWorkerExits.join("\n")}`);
    await system?.stop();
  });

  /**
   * Runs the stream with `inject` acting on it, then checks the invariants over everything so far.
   * `expect`: "queued" — the fault made the function answer 202 at least once; "rescued" — and the
   * reconciler started those bootstraps (the function's own start never reached Temporal).
   */
  async function scenario(name: string, inject: (stream: BootstrapStream) => Promise<void>, expect?: "queued" | "rescued"): Promise<void> {
    const began = Date.now();
    const faultsBefore = system.faults.length;
    const exitsBefore = system.unexpectedWorkerExits.length;
    const notesBefore = system.notes.length;
    const stream = new BootstrapStream(system, N, sizes.streamConcurrency);
    // The i-th deactivation goes once (i + 1) / (D + 1) of the bootstraps are accepted: before, during and after the fault.
    const targets = await deactivationTargets(D);
    const deactivating = new DeactivationStream(system, targets, 2, (i) => stream.whenAccepted(Math.floor(((i + 1) * N) / (targets.length + 1))));
    await inject(stream);
    await stream.done;
    await deactivating.done;
    accepted.push(...stream.accepted);
    deactivations.push(...deactivating.accepted);
    const report = await checkInvariants(system, accepted, { deactivations });
    const faults = system.faults.slice(faultsBefore);
    const { rows: starters } = await system.db.query<{ started_by: string; n: number }>(
      "select bootstrap_started_by as started_by, count(*)::int as n from public.organizations_projection where id = any($1::uuid[]) group by 1 order by 2 desc",
      [stream.accepted.map((a) => a.organizationId)]);
    const { rows: deactivationStarters } = await system.db.query<{ started_by: string; n: number }>(
      "select deactivation_started_by as started_by, count(*)::int as n from public.organizations_projection where id = any($1::uuid[]) group by 1 order by 2 desc",
      [deactivating.accepted.map((a) => a.organizationId)]);
    const notes = [
      `this scenario's workflows were started by: ${starters.map((r) => `${r.started_by} ${r.n}`).join(", ")}`,
      `${deactivating.accepted.length} deactivation(s) interleaved, started by: ${deactivationStarters.map((r) => `${r.started_by} ${r.n}`).join(", ") || "none"}`,
      ...(stream.retries > 0 ? [`${stream.retries} request(s) retried with the same Idempotency-Key after a 5xx or a dropped connection`] : []),
      ...system.notes.slice(notesBefore),
      ...system.unexpectedWorkerExits.slice(exitsBefore).map((exit) => `worker exited on its own, restarted: ${exit}`),
    ];
    recordScenario({
      group: "faults", scenario: name, scale: sizes.scale, faults, bootstraps: N, inputs: 0,
      answers: answersOf(stream.answers), lost: report.lost, duplicated: report.duplicated, notes, durationMs: Date.now() - began,
    });
    assert.deepEqual(stream.refused, [], "every bootstrap is eventually accepted (200 or 202)");
    assert.equal(stream.accepted.length, N);
    assert.deepEqual(deactivating.refused, [], "every deactivation is eventually accepted (200 or 202)");
    assert.equal(deactivating.accepted.length, D, "each scenario deactivates its share");
    assert.equal(report.deactivations, deactivations.length, "one deactivation per accepted request, however often it was retried");
    assert.deepEqual(report.problems, []);
    assert.equal(report.lost, 0);
    assert.equal(report.duplicated, 0);
    assert.equal(report.bootstraps, accepted.length, "one organization per accepted bootstrap, however often it was retried");
    if (expect) assert.ok((stream.answers.get(202) ?? 0) > 0, "the fault made the function answer 202 queued at least once");
    if (expect === "rescued") {
      const queued = stream.accepted.filter((a) => a.status === 202).map((a) => a.organizationId);
      const { rows } = await system.db.query<{ bootstrap_started_by: string }>(
        "select bootstrap_started_by from public.organizations_projection where id = any($1::uuid[])", [queued]);
      assert.equal(rows.length, queued.length);
      // A request the proxy forwarded just before it was killed can still have started its run (as
      // "edge"): at most one per caller in flight at that moment. Every other one the reconciler started.
      const byReconciler = rows.filter((r) => r.bootstrap_started_by === "realtime" || r.bootstrap_started_by === "sweep").length;
      assert.ok(byReconciler >= Math.max(1, queued.length - sizes.streamConcurrency),
        `queued bootstraps started by the reconciler: ${byReconciler} of ${queued.length} (${rows.map((r) => r.bootstrap_started_by).join(", ")})`);
    }
  }

  test("the worker is killed with SIGKILL mid-stream and restarted", () =>
    scenario("worker killed (SIGKILL) and restarted", async (stream) => {
      await stream.whenAccepted(Math.floor(N / 3));
      await system.killWorker();
      await system.workerReady();
    }));

  test("the worker is paused with SIGSTOP past the workflow task timeout", () =>
    scenario("worker paused (SIGSTOP)", async (stream) => {
      await stream.whenAccepted(Math.floor(N / 3));
      await system.pauseWorker(sizes.pauseMs);
    }));

  test("the proxy is killed: the function answers 202 and the reconciler starts those workflows", () =>
    scenario("proxy killed, then restarted", async (stream) => {
      await stream.whenAccepted(Math.floor(N / 3));
      await system.killProxy();
      await stream.whenAccepted(Math.floor((2 * N) / 3));
      await system.startProxy();
    }, "rescued"));

  test("Temporal is stopped and started again on the same data", () =>
    scenario("Temporal stopped and restarted", async (stream) => {
      await stream.whenAccepted(Math.floor(N / 3));
      await system.stopTemporal();
      await delay(sizes.outageMs); // the outage's length is the scenario's parameter
      await system.startTemporal();
    }));

  test("Postgres crashes (immediate shutdown) and is started again", () =>
    scenario("Postgres crashed and restarted", async (stream) => {
      await stream.whenAccepted(Math.floor(N / 3));
      await system.crashPostgres();
      await delay(sizes.outageMs);
      await system.startPostgres();
    }));

  test("Postgres is stopped cleanly (fast shutdown, Realtime connected) and started again", () =>
    scenario("Postgres stopped cleanly and restarted", async (stream) => {
      await stream.whenAccepted(Math.floor(N / 3));
      await system.stopPostgres();
      await delay(sizes.outageMs);
      await system.startPostgres();
    }));

  test("Realtime drops its sockets and then goes silent while the direct path is down", () =>
    scenario("Realtime dropped and silently paused, proxy down", async (stream) => {
      await stream.whenAccepted(Math.floor(N / 4));
      await system.killProxy();
      await stream.whenAccepted(Math.floor(N / 2));
      await system.realtime("drop");
      await stream.whenAccepted(Math.floor((3 * N) / 4));
      await system.realtime("pause");
      await stream.done;
      await system.realtime("resume");
      await system.startProxy();
    }, "rescued"));

  test("Temporal answers the proxy later than the function's start budget", () =>
    scenario("Temporal slow behind the proxy", async (stream) => {
      await stream.whenAccepted(Math.floor(N / 3));
      system.faults.push("Temporal slow behind the proxy");
      system.shim.delayMs = SLOW_TEMPORAL_MS;
      try {
        await stream.whenAccepted(Math.floor((2 * N) / 3));
      } finally {
        system.shim.delayMs = 0;
      }
    }, "queued"));

  // Full size: every fault, worker kill and pause included. CI size: the faults that heal in
  // seconds (a killed worker's in-flight activities wait out their 1-minute start-to-close timeout).
  test(`faults overlapping (${sizes.mixed ? "all of them" : "proxy, Realtime, Postgres, slow Temporal"})`, () =>
    scenario("faults overlapping", async (stream) => {
      const at = (fraction: number) => stream.whenAccepted(Math.floor(N * fraction));
      await at(0.1);
      if (sizes.mixed) await system.killWorker();
      await at(0.2);
      await system.realtime("drop");
      await system.killProxy();
      await at(0.35);
      await system.crashPostgres();
      await delay(sizes.outageMs);
      await system.startPostgres();
      await at(0.5);
      await system.startProxy();
      if (sizes.mixed) {
        await system.workerReady();
        await system.pauseWorker(sizes.pauseMs);
      }
      await at(0.6);
      system.faults.push("Temporal slow behind the proxy");
      system.shim.delayMs = SLOW_TEMPORAL_MS;
      await at(0.7);
      await system.realtime("pause");
      if (sizes.mixed) {
        await system.stopTemporal();
        await delay(sizes.outageMs);
        await system.startTemporal();
      }
      await at(0.85);
      system.shim.delayMs = 0;
      await system.realtime("resume");
      if (sizes.mixed) await system.killWorker();
    }, "queued"));
});
