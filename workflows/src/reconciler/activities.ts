import { Context } from "@temporalio/activity";
import type { SweepSummary } from "./sweep.ts";

/** What the Schedule passes the reconcile workflow (set from RECONCILE_GRACE when the worker upserts it). */
export interface ReconcileArgs {
  readonly graceMs: number;
}

/** Runs one sweep; `onPage` is called after each page read. */
export type RunSweep = (graceMs: number, onPage: () => void) => Promise<SweepSummary>;

/**
 * The reconcile workflow's one activity. It heartbeats after every page, so a worker that dies
 * mid-sweep is noticed within the heartbeat timeout and the attempt is retried on another replica.
 */
export function createReconcileActivities(runSweep: RunSweep) {
  return {
    async sweepPendingBootstraps(args: ReconcileArgs): Promise<SweepSummary> {
      const context = Context.current();
      return runSweep(args.graceMs, () => context.heartbeat());
    },
  };
}

export type ReconcileActivities = ReturnType<typeof createReconcileActivities>;
