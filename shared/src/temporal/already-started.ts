/**
 * The run id of the workflow that blocked a start, from ALREADY_EXISTS's
 * `grpc-status-details-bin` (a google.rpc.Status whose detail is a
 * WorkflowExecutionAlreadyStartedFailure). Best effort: undefined when absent or unreadable.
 */
import { google, temporal } from "./proto.ts";

const FAILURE_TYPE = "temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure";

export function alreadyStartedRunId(statusDetails: Uint8Array | undefined): string | undefined {
  if (!statusDetails) return undefined;
  try {
    const status = google.rpc.Status.decode(statusDetails);
    for (const detail of status.details ?? []) {
      if (!detail.type_url?.endsWith(`/${FAILURE_TYPE}`) || !detail.value) continue;
      const failure = temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure.decode(detail.value);
      return failure.runId || undefined;
    }
  } catch {
    // Unreadable details never turn a known ALREADY_EXISTS into a different error.
  }
  return undefined;
}
