import type { RetryPolicy } from "@temporalio/workflow";
import { NON_RETRYABLE_FAILURE_TYPES } from "./failure-types.ts";

/**
 * The organization workflows' activity retry policies, in one module of plain constants so the unit
 * tier can bundle the workflows with millisecond intervals (the same attempts, the same
 * non-retryable types) and still test the real policies' totals (workflows/test/workflow-saga.unit.test.ts).
 */

/**
 * The bootstrap's forward steps: transient failures (DNS API or mail server down, event store 5xx)
 * retry with backoff for roughly a quarter of an hour — 20 attempts, 1 s doubling to a 1 min cap,
 * 14 min of waits in all — then the bootstrap fails and compensates rather than leaving an
 * organization half-built indefinitely.
 */
export const FORWARD_STEP_RETRY: Readonly<RetryPolicy> = {
  initialInterval: "1 second",
  backoffCoefficient: 2,
  maximumInterval: "1 minute",
  maximumAttempts: 20,
  nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURE_TYPES],
};

/** The bootstrap's undo steps retry without limit (still stopping on a non-retryable failure): undo must finish. */
export const UNDO_STEP_RETRY: Readonly<RetryPolicy> = {
  initialInterval: "1 second",
  backoffCoefficient: 2,
  maximumInterval: "5 minutes",
};

/**
 * The deactivation's steps retry without limit: a DNS API down for an hour delays the deactivation,
 * it does not leave half of it done and call that an outcome. A failure of a non-retryable type (a
 * refused change) fails the run for a person to look at.
 */
export const DEACTIVATION_STEP_RETRY: Readonly<RetryPolicy> = {
  ...UNDO_STEP_RETRY,
  nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURE_TYPES],
};
