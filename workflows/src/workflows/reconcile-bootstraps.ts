import { proxyActivities } from "@temporalio/workflow";
import type { ReconcileActivities, ReconcileArgs } from "../reconciler/activities.ts";
import type { SweepSummary } from "../reconciler/sweep.ts";

/**
 * A sweep's attempts stay inside one Schedule interval or so: if Supabase or Temporal is down, the
 * next scheduled sweep tries again rather than this run retrying for long (overlap SKIP would
 * otherwise hold every later sweep back behind it).
 */
const { sweepPendingBootstraps } = proxyActivities<ReconcileActivities>({
  startToCloseTimeout: "5 minutes",
  heartbeatTimeout: "1 minute",
  retry: { initialInterval: "1 second", backoffCoefficient: 2, maximumAttempts: 3 },
});

/**
 * The periodic safety net, run by the Temporal Schedule RECONCILE_SCHEDULE_ID every RECONCILE_INTERVAL:
 * starts the workflow of every declared trigger's event older than the grace period that has none yet
 * (the bootstrap's first, hence the names, which deployed Schedules refer to). Each run's result
 * (found, started, …) is visible in the Web UI.
 */
export async function reconcileBootstrapsWorkflow(args: ReconcileArgs): Promise<SweepSummary> {
  return await sweepPendingBootstraps(args);
}
