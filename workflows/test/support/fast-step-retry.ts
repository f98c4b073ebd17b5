/**
 * Stands in for workflows/src/workflows/step-retry.ts in the unit tier's workflow bundle
 * (withFastStepRetries): the real policies — the same attempts, backoff coefficient and
 * non-retryable types — with millisecond intervals, so 20 attempts take well under a second on a
 * dev server that does not skip time. Bundled into the workflow sandbox: import nothing else.
 */
import type { RetryPolicy } from "@temporalio/workflow";
import * as real from "../../src/workflows/step-retry.ts";

/** Intervals of 1 to 10 ms, everything else as `policy` has it. */
export function withMillisecondIntervals(policy: Readonly<RetryPolicy>): Readonly<RetryPolicy> {
  return { ...policy, initialInterval: 1, maximumInterval: 10 };
}

export const FORWARD_STEP_RETRY = withMillisecondIntervals(real.FORWARD_STEP_RETRY);
export const UNDO_STEP_RETRY = withMillisecondIntervals(real.UNDO_STEP_RETRY);
export const DEACTIVATION_STEP_RETRY = withMillisecondIntervals(real.DEACTIVATION_STEP_RETRY);
