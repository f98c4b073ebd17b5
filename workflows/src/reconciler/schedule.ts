import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptionsStartWorkflowAction } from "@temporalio/client";
import type { reconcileBootstrapsWorkflow } from "../workflows/reconcile-bootstraps.ts";
import { formatDuration } from "./duration.ts";
import type { ReconcilerLog } from "./log.ts";

export const RECONCILE_WORKFLOW_TYPE = "reconcileBootstrapsWorkflow";

export interface ReconcileScheduleOptions {
  readonly scheduleId: string;
  readonly intervalMs: number;
  readonly graceMs: number;
  /** The worker's task queue: any replica may run a sweep. */
  readonly taskQueue: string;
}

type Action = ScheduleOptionsStartWorkflowAction<typeof reconcileBootstrapsWorkflow>;

function scheduleParts(options: ReconcileScheduleOptions) {
  const action: Action = {
    type: "startWorkflow",
    workflowType: RECONCILE_WORKFLOW_TYPE,
    taskQueue: options.taskQueue,
    // The Schedule appends the scheduled time: reconcile-bootstraps-2025-12-01T10:00:30Z in the Web UI.
    workflowId: options.scheduleId,
    args: [{ graceMs: options.graceMs }],
    // A run that cannot finish (no worker at all) must not hold every later sweep back forever (overlap SKIP).
    workflowRunTimeout: "10 minutes",
    staticSummary: `Sweep: start the workflow of every trigger event older than ${formatDuration(options.graceMs)} without one`,
  };
  return {
    spec: { intervals: [{ every: options.intervalMs }] },
    action,
    policies: {
      // One sweep at a time: a slow sweep makes the next one skip, never pile up.
      overlap: ScheduleOverlapPolicy.SKIP,
      // After a Temporal outage, one catch-up sweep does everything the missed ones would have.
      catchupWindow: "1 minute",
      pauseOnFailure: false,
    },
  };
}

/**
 * Creates the Schedule, or brings an existing one in line with this worker's settings (interval,
 * grace, task queue) — every replica does this at startup, and the Schedule still runs once per
 * interval for the whole deployment. A Schedule an operator paused stays paused.
 */
export async function upsertReconcileSchedule(client: Client, options: ReconcileScheduleOptions, log: ReconcilerLog): Promise<"created" | "updated"> {
  const parts = scheduleParts(options);
  try {
    await client.schedule.create({
      scheduleId: options.scheduleId,
      ...parts,
      state: { note: "Created by the worker (workflows/src/reconciler): the periodic safety net of event-triggered workflows." },
    });
    log.info(`created Schedule ${options.scheduleId}`, { every: formatDuration(options.intervalMs), grace: formatDuration(options.graceMs) });
    return "created";
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.schedule.getHandle(options.scheduleId).update((previous) => ({ ...previous, ...parts, state: { ...previous.state } }));
  log.info(`updated Schedule ${options.scheduleId}`, { every: formatDuration(options.intervalMs), grace: formatDuration(options.graceMs) });
  return "updated";
}
