import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** The paths the worker itself starts bootstraps by (the edge function is the third; see README). */
export const RECONCILER_PATHS = ["realtime", "sweep"] as const;
export type ReconcilerPath = (typeof RECONCILER_PATHS)[number];

export const REALTIME_STATES = ["subscribing", "subscribed", "degraded", "down", "stopped"] as const;
export type RealtimeState = (typeof REALTIME_STATES)[number];

/** Which sweep ran: the Schedule's, or the catch-up after a (re)subscribe. */
export type SweepKind = "schedule" | "catch_up";

/**
 * What the worker exposes at /metrics. Every counter counts what THIS process did, so summing over
 * replicas gives the deployment's totals. `trigger` is the declaration's name (organization-bootstrap,
 * organization-deactivate, …):
 * - workflows_started_total{trigger,path}: StartWorkflowExecution calls of this path that created the run.
 * - workflows_already_started_total{trigger,path}: ensures that found the run already there (normally: an
 *   edge function started it, so the realtime share of this counter is the edge functions' success rate).
 * - workflow_reconcile_lag_seconds{trigger}: at each sweep, the age of the oldest event of the trigger it
 *   found without a workflow (0 when none): above RECONCILE_GRACE only when the direct start and
 *   Realtime both missed it.
 * A rising `path="sweep"` share of started workflows means another path is broken.
 */
export class ReconcilerMetrics {
  readonly registry = new Registry();
  private readonly started = new Counter({
    name: "workflows_started_total",
    help: "Workflows this worker started for trigger events, by trigger and by the path that started them (realtime, sweep).",
    labelNames: ["trigger", "path"] as const,
    registers: [this.registry],
  });
  private readonly alreadyStarted = new Counter({
    name: "workflows_already_started_total",
    help: "Ensures that found the event's workflow already started (by an edge function, another path or replica).",
    labelNames: ["trigger", "path"] as const,
    registers: [this.registry],
  });
  private readonly ensureErrors = new Counter({
    name: "workflow_ensure_errors_total",
    help: "Ensures that failed (Temporal or Supabase unreachable); the event stays pending for the next sweep.",
    labelNames: ["trigger", "path"] as const,
    registers: [this.registry],
  });
  private readonly invalidEvents = new Counter({
    name: "workflow_invalid_events_total",
    help: "Trigger events no workflow could carry out (payload invalid, or no declaration in this worker: trigger=undeclared); skipped, they need a person.",
    labelNames: ["trigger"] as const,
    registers: [this.registry],
  });
  private readonly stuck = new Gauge({
    name: "bootstrap_stuck_organizations",
    help: "Organizations still provisioning whose bootstrap run closed without success (npm run bootstrap:retry)",
    registers: [this.registry],
  });
  private readonly lag = new Gauge({
    name: "workflow_reconcile_lag_seconds",
    help: "At the last sweep: age of the oldest event of the trigger without a workflow (0 when none).",
    labelNames: ["trigger"] as const,
    registers: [this.registry],
  });
  private readonly sweeps = new Counter({
    name: "reconciler_sweeps_total",
    help: "Sweeps run by this worker, by kind (schedule, catch_up after a (re)subscribe) and outcome.",
    labelNames: ["sweep", "outcome"] as const,
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
    help: "Events delivered over Realtime, by kind (trigger, canary).",
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

  /** `triggers`: the declared triggers' names, whose series exist (at 0) from the start. */
  constructor(options: { defaultMetrics?: boolean; triggers?: readonly string[] } = {}) {
    for (const trigger of options.triggers ?? []) {
      // Zero-valued series from the start, so rates and shares are defined before the first event.
      for (const path of RECONCILER_PATHS) {
        this.started.inc({ trigger, path }, 0);
        this.alreadyStarted.inc({ trigger, path }, 0);
        this.ensureErrors.inc({ trigger, path }, 0);
      }
      this.lag.set({ trigger }, 0);
    }
    this.setRealtimeState("stopped");
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  workflowStarted(trigger: string, path: ReconcilerPath): void { this.started.inc({ trigger, path }); }
  workflowAlreadyStarted(trigger: string, path: ReconcilerPath): void { this.alreadyStarted.inc({ trigger, path }); }
  ensureFailed(trigger: string, path: ReconcilerPath): void { this.ensureErrors.inc({ trigger, path }); }
  invalidEvent(trigger: string): void { this.invalidEvents.inc({ trigger }); }
  setLagSeconds(trigger: string, seconds: number): void { this.lag.set({ trigger }, seconds); }
  setStuckOrganizations(count: number): void { this.stuck.set(count); }
  sweepFinished(sweep: SweepKind, outcome: "ok" | "error"): void { this.sweeps.inc({ sweep, outcome }); }
  realtimeReconnected(): void { this.reconnects.inc(); }
  realtimeRefused(): void { this.refusals.inc(); }
  eventReceived(kind: "trigger" | "canary"): void { this.received.inc({ kind }); }
  canaryReturned(seconds: number): void { this.canaryRoundtrip.observe(seconds); }
  canaryMissed(): void { this.canaryMisses.inc(); }

  setRealtimeState(current: RealtimeState): void {
    for (const state of REALTIME_STATES) this.realtimeState.set({ state }, state === current ? 1 : 0);
  }
}
