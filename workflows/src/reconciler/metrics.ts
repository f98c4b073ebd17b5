import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** The paths the worker itself starts bootstraps by (the edge function is the third; see README). */
export const RECONCILER_PATHS = ["realtime", "sweep"] as const;
export type ReconcilerPath = (typeof RECONCILER_PATHS)[number];

export const REALTIME_STATES = ["subscribing", "subscribed", "degraded", "down", "stopped"] as const;
export type RealtimeState = (typeof REALTIME_STATES)[number];

export type SweepTrigger = "schedule" | "catch_up";

/**
 * What the worker exposes at /metrics. Every counter counts what THIS process did, so summing over
 * replicas gives the deployment's totals:
 * - bootstrap_workflows_started_total{path}: StartWorkflowExecution calls of this path that created the run.
 * - bootstrap_already_started_total{path}: ensures that found the run already there (normally: the edge
 *   function started it, so the realtime share of this counter is the edge function's success rate).
 * - bootstrap_reconcile_lag_seconds: at each sweep, the age of the oldest bootstrap it found without a
 *   workflow (0 when none): above RECONCILE_GRACE only when the edge function and Realtime both missed it.
 * A rising `path="sweep"` share of started workflows means another path is broken.
 */
export class ReconcilerMetrics {
  readonly registry = new Registry();
  private readonly started = new Counter({
    name: "bootstrap_workflows_started_total",
    help: "Bootstrap workflows this worker started, by the path that started them (realtime, sweep).",
    labelNames: ["path"] as const,
    registers: [this.registry],
  });
  private readonly alreadyStarted = new Counter({
    name: "bootstrap_already_started_total",
    help: "Ensures that found the bootstrap workflow already started (by the edge function, another path or replica).",
    labelNames: ["path"] as const,
    registers: [this.registry],
  });
  private readonly ensureErrors = new Counter({
    name: "bootstrap_ensure_errors_total",
    help: "Ensures that failed (Temporal or Supabase unreachable); the bootstrap stays pending for the next sweep.",
    labelNames: ["path"] as const,
    registers: [this.registry],
  });
  private readonly invalidEvents = new Counter({
    name: "bootstrap_invalid_events_total",
    help: "Bootstrap events that are not a valid organization.bootstrap.initiated (skipped; they need a person).",
    registers: [this.registry],
  });
  private readonly stuck = new Gauge({
    name: "bootstrap_stuck_organizations",
    help: "Organizations still provisioning whose bootstrap run closed without success (npm run bootstrap:retry)",
    registers: [this.registry],
  });
  private readonly lag = new Gauge({
    name: "bootstrap_reconcile_lag_seconds",
    help: "At the last sweep: age of the oldest bootstrap event without a workflow (0 when none).",
    registers: [this.registry],
  });
  private readonly sweeps = new Counter({
    name: "bootstrap_sweeps_total",
    help: "Sweeps run by this worker, by trigger (schedule, catch_up after a (re)subscribe) and outcome.",
    labelNames: ["trigger", "outcome"] as const,
    registers: [this.registry],
  });
  private readonly realtimeState = new Gauge({
    name: "realtime_state",
    help: "The Realtime subscription's state: 1 for the current state, 0 for the others.",
    labelNames: ["state"] as const,
    registers: [this.registry],
  });
  private readonly reconnects = new Counter({
    name: "realtime_reconnects_total",
    help: "Times the Realtime subscription came back (SUBSCRIBED after the first).",
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: "realtime_subscription_refusals_total",
    help: "Times the Realtime server refused the subscription after answering the join (a system error: bad filter, private-only channels, limits).",
    registers: [this.registry],
  });
  private readonly received = new Counter({
    name: "realtime_events_received_total",
    help: "Events delivered over Realtime, by kind (bootstrap, canary).",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  private readonly canaryRoundtrip = new Histogram({
    name: "realtime_canary_roundtrip_seconds",
    help: "From writing a canary event to receiving it over Realtime.",
    buckets: [0.05, 0.1, 0.2, 0.35, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  private readonly canaryMisses = new Counter({
    name: "realtime_canary_misses_total",
    help: "Canary events not received over Realtime in time (each one forces a resubscribe and a sweep).",
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    for (const path of RECONCILER_PATHS) {
      // Zero-valued series from the start, so rates and shares are defined before the first event.
      this.started.inc({ path }, 0);
      this.alreadyStarted.inc({ path }, 0);
      this.ensureErrors.inc({ path }, 0);
    }
    this.setRealtimeState("stopped");
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  workflowStarted(path: ReconcilerPath): void { this.started.inc({ path }); }
  workflowAlreadyStarted(path: ReconcilerPath): void { this.alreadyStarted.inc({ path }); }
  ensureFailed(path: ReconcilerPath): void { this.ensureErrors.inc({ path }); }
  invalidEvent(): void { this.invalidEvents.inc(); }
  setLagSeconds(seconds: number): void { this.lag.set(seconds); }
  setStuckOrganizations(count: number): void { this.stuck.set(count); }
  sweepFinished(trigger: SweepTrigger, outcome: "ok" | "error"): void { this.sweeps.inc({ trigger, outcome }); }
  realtimeReconnected(): void { this.reconnects.inc(); }
  realtimeRefused(): void { this.refusals.inc(); }
  eventReceived(kind: "bootstrap" | "canary"): void { this.received.inc({ kind }); }
  canaryReturned(seconds: number): void { this.canaryRoundtrip.observe(seconds); }
  canaryMissed(): void { this.canaryMisses.inc(); }

  setRealtimeState(current: RealtimeState): void {
    for (const state of REALTIME_STATES) this.realtimeState.set({ state }, state === current ? 1 : 0);
  }
}
