import type { SupabaseClient } from "@supabase/supabase-js";
import { emitArgs, EVENT_TYPES, type BootstrapWorkflowStarted } from "@org-bootstrap/shared/events/index.ts";
import type { BootstrapWorkflowInput } from "@org-bootstrap/shared/bootstrap-input.ts";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";

/** Writes `organization.bootstrap.workflow_started`; a fake in unit tests. */
export type RecordWorkflowStarted = (input: BootstrapWorkflowInput, data: BootstrapWorkflowStarted) => Promise<void>;

/**
 * The same event, with the same idempotency key `${workflowId}:workflow_started`, as the edge function
 * and the workflow's own first activity write: whichever of them writes first, it is stored once.
 */
export function workflowStartedRecorder(supabase: SupabaseClient): RecordWorkflowStarted {
  return async (input, data) => {
    const workflowId = bootstrapWorkflowId(input.organizationId);
    const { error } = await supabase.rpc(
      "emit_domain_event",
      emitArgs(input.organizationId, EVENT_TYPES.bootstrapWorkflowStarted, data, {
        idempotency_key: `${workflowId}:workflow_started`,
        correlation_id: workflowId,
        causation_id: input.eventId,
        source: "reconciler",
      }),
    );
    if (error) throw new Error(`emit_domain_event(workflow_started) failed: ${error.code ?? ""} ${error.message}`.trim());
  };
}
