import type { SupabaseClient } from "@supabase/supabase-js";
import type { Client } from "@temporalio/client";
import { triggerIndex, WORKFLOW_TRIGGERS, type WorkflowTrigger } from "@org-bootstrap/shared/triggers/index.ts";
import { createReconcileActivities, type ReconcileActivities } from "./activities.ts";
import { Canary } from "./canary.ts";
import type { ReconcilerConfig } from "./config.ts";
import { EnsureFailed, WorkflowEnsurer } from "./ensure.ts";
import { consoleLog, errorMessage, type ReconcilerLog } from "./log.ts";
import { ReconcilerMetrics, type SweepKind } from "./metrics.ts";
import { pendingReader } from "./pending.ts";
import { RealtimeListener } from "./realtime-listener.ts";
import { batchingWorkflowStartedRecorder } from "./record-started.ts";
import { upsertReconcileSchedule } from "./schedule.ts";
import { temporalStarter } from "./starter.ts";
import { StuckMonitor, temporalAndStoreStuckSources, type StuckMonitorStatus } from "./stuck.ts";
import { sweepPending, type SweepDeps, type SweepSummary } from "./sweep.ts";

/** Real Realtime can say SUBSCRIBED before changes flow (supabase-js#1599): a second catch-up this much later covers that window. */
export const SETTLE_SWEEP_DELAY_MS = 2_000;
/** How long startup waits for the first SUBSCRIBED before going on without it (the sweep covers meanwhile). */
const FIRST_SUBSCRIBE_WAIT_MS = 10_000;

export type SweepRecord = NonNullable<ReconcilerStatus["lastSweep"]>;

export interface ReconcilerStatus {
  readonly enabled: boolean;
  readonly realtime?: ReturnType<RealtimeListener["status"]>;
  readonly canary?: ReturnType<Canary["status"]> | { enabled: false };
  readonly lastSweep?: {
    kind: SweepKind;
    startedAt: string;
    outcome: "ok" | "error";
    durationMs: number;
    found?: number;
    started?: number;
    pages?: number;
    error?: string;
  };
  readonly schedule?: { id: string; everyMs: number; graceMs: number };
  /** Organizations provisioning behind a closed, unsuccessful run (they need `npm run bootstrap:retry`). */
  readonly stuck?: StuckMonitorStatus;
}

export interface Reconciler {
  readonly metrics: ReconcilerMetrics;
  /** The reconcile workflow's activity, registered with the worker (also where RECONCILER_ENABLED=false). */
  readonly activities: ReconcileActivities;
  /** Once the worker polls: upserts the Schedule, subscribes to Realtime, runs the canary and the stuck check. */
  start(): Promise<void>;
  /** Before the worker drains: everything start() began stops; in-flight starts and their records finish. Idempotent. */
  stop(): Promise<void>;
  status(): ReconcilerStatus;
  /** The last few sweeps of this process, oldest first. */
  recentSweeps(): readonly SweepRecord[];
  /** Runs a catch-up sweep now (also what every SUBSCRIBED does). Resolves when it is done. */
  catchUp(): Promise<void>;
}

export interface ReconcilerOptions {
  readonly config: ReconcilerConfig;
  /** The worker's Temporal client: starts, describes, the Schedule. */
  readonly client: Client;
  /** The worker's service-role Supabase client: the pending set, the records, Realtime. */
  readonly supabase: SupabaseClient;
  /** The worker's task queue, where the Schedule runs its sweeps. */
  readonly taskQueue: string;
  readonly log?: ReconcilerLog;
  readonly metrics?: ReconcilerMetrics;
  /** The triggers it serves (default: the product's WORKFLOW_TRIGGERS); each starts on its own task queue. */
  readonly triggers?: readonly WorkflowTrigger[];
  readonly sweep?: Pick<SweepDeps, "pageSize" | "concurrency">;
}

/**
 * The safety net of the direct path, three ways over one "ensure the workflow" function:
 * Realtime (fast), a catch-up sweep after every (re)subscribe (what Realtime never delivers while
 * down), and a sweep run by a Temporal Schedule (certainty, once per interval for all replicas).
 * Every path starts the same idempotent request, so there is one workflow per event whoever wins.
 */
export function createReconciler(options: ReconcilerOptions): Reconciler {
  const { config, client, supabase } = options;
  const triggers = triggerIndex(options.triggers ?? WORKFLOW_TRIGGERS);
  const log = options.log ?? consoleLog();
  const metrics = options.metrics ?? new ReconcilerMetrics({ triggers: triggers.all.map((t) => t.name) });
  const ensurer = new WorkflowEnsurer({
    starter: temporalStarter(client),
    record: batchingWorkflowStartedRecorder(supabase),
    metrics,
    log,
    triggers,
    concurrency: options.sweep?.concurrency ?? config.concurrency,
  });
  const sweepDeps: SweepDeps = { readPending: pendingReader(supabase), ensurer, triggers, metrics, log, concurrency: config.concurrency, ...options.sweep };
  let listener: RealtimeListener | undefined;
  let canary: Canary | undefined;
  let stuckMonitor: StuckMonitor | undefined;
  const sweeps: SweepRecord[] = [];
  const remember = (sweep: SweepRecord) => {
    sweeps.push(sweep);
    if (sweeps.length > 20) sweeps.shift();
  };
  const active = new Set<Promise<unknown>>();

  const track = <T>(promise: Promise<T>): Promise<T> => {
    active.add(promise);
    void promise.finally(() => active.delete(promise)).catch(() => undefined);
    return promise;
  };

  const runSweep = async (graceMs: number, kind: SweepKind, onPage?: () => void): Promise<SweepSummary> => {
    const startedAt = new Date();
    try {
      const summary = await sweepPending({ ...sweepDeps, ...(onPage ? { onPage } : {}) }, graceMs, kind);
      remember({
        kind, startedAt: startedAt.toISOString(), outcome: "ok", durationMs: summary.durationMs,
        found: summary.found, started: summary.started, pages: summary.pages,
      });
      return summary;
    } catch (error) {
      remember({ kind, startedAt: startedAt.toISOString(), outcome: "error", durationMs: Date.now() - startedAt.getTime(), error: errorMessage(error) });
      throw error;
    }
  };

  // One catch-up at a time; a SUBSCRIBED during one asks for exactly one more after it.
  let catchUpRunning: Promise<void> | undefined;
  let catchUpAgain = false;
  const catchUp = (): Promise<void> => {
    if (catchUpRunning) {
      catchUpAgain = true;
      return catchUpRunning;
    }
    catchUpRunning = track((async () => {
      do {
        catchUpAgain = false;
        // No grace: its job is exactly what was committed before SUBSCRIBED, however recent.
        await runSweep(0, "catch_up").catch(() => undefined); // logged and counted by the sweep
      } while (catchUpAgain && listener?.state !== "stopped");
      catchUpRunning = undefined;
    })());
    return catchUpRunning;
  };

  let settleTimer: NodeJS.Timeout | undefined;
  const onSubscribed = () => {
    void catchUp();
    clearTimeout(settleTimer);
    settleTimer = setTimeout(() => void catchUp(), SETTLE_SWEEP_DELAY_MS);
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      canary?.stop();
      await stuckMonitor?.stop();
      clearTimeout(settleTimer);
      await listener?.stop();
      // In-flight ensures finish (each bounded by the Temporal call timeout) before the connection closes.
      await Promise.allSettled([...active]);
    })();
    return stopping;
  };

  return {
    metrics,
    catchUp,
    activities: createReconcileActivities((graceMs, onPage) => runSweep(graceMs, "schedule", onPage)),
    stop,

    async start() {
      await upsertReconcileSchedule(client, {
        scheduleId: config.scheduleId,
        intervalMs: config.intervalMs,
        graceMs: config.graceMs,
        taskQueue: options.taskQueue,
      }, log);

      const realtime = new RealtimeListener({
        supabase,
        log,
        metrics,
        eventTypes: triggers.all.map((t) => t.eventType),
        onTriggerEvent: (row) => {
          // Failures are counted and logged by the ensurer; the sweep retries the event later.
          // Tracked until its workflow_started record lands too, so stop() lets that write finish.
          const ensured = ensurer.ensure(row, "realtime").then((outcome) => (outcome.kind === "started" ? outcome.recorded : undefined));
          track(ensured).catch((error: unknown) => log.warn(errorMessage(error), error instanceof EnsureFailed ? error.ids : { path: "realtime" }));
        },
        ...(config.canary.enabled ? { onCanary: (row: Record<string, unknown>) => canary?.received(row) } : {}),
        onSubscribed,
      });
      listener = realtime;
      realtime.start();

      stuckMonitor = new StuckMonitor({
        sources: temporalAndStoreStuckSources(client, supabase),
        intervalMs: config.intervalMs,
        minQuietMs: config.stuckAfterMs,
        metrics,
        log,
      });
      stuckMonitor.start();
      if (!(await realtime.waitUntilSubscribed(FIRST_SUBSCRIBE_WAIT_MS))) {
        log.warn("Realtime is not subscribed yet: retrying in the background; the sweep covers meanwhile");
      }

      if (config.canary.enabled) {
        canary = new Canary({
          supabase,
          log,
          metrics,
          intervalMs: config.canary.intervalMs,
          timeoutMs: config.canary.timeoutMs,
          isSubscribed: () => realtime.state === "subscribed" || realtime.state === "degraded",
          onMiss: () => {
            realtime.setDegraded(true);
            void catchUp();
            realtime.resubscribe("a canary was not delivered");
          },
          onRecovered: () => realtime.setDegraded(false),
        });
        canary.start();
      }
    },

    recentSweeps: () => [...sweeps],

    status() {
      return {
        enabled: true,
        ...(listener ? { realtime: listener.status() } : {}),
        canary: canary ? canary.status() : { enabled: false },
        ...(sweeps.length > 0 ? { lastSweep: sweeps[sweeps.length - 1] } : {}),
        schedule: { id: config.scheduleId, everyMs: config.intervalMs, graceMs: config.graceMs },
        ...(stuckMonitor ? { stuck: stuckMonitor.status() } : {}),
      };
    },
  };
}
