import { ApplicationFailure, workflowInfo } from "@temporalio/workflow";
import { bootstrapWorkflowIdentitySchema } from "@org-bootstrap/shared/bootstrap-input.ts";
import { STARTED_BY, type StartedBy } from "@org-bootstrap/shared/workflow-contract.ts";
import { FailureType } from "./failure-types.ts";

/**
 * An organization workflow's start, read as every organization trigger sends it: the organization
 * (and the event the starter saw, a hint), under the workflow id `workflowIdFor(organizationId)`.
 * Anything else means the starter has a bug: nothing has been done and nothing can be, so the run
 * fails at once, having written nothing.
 */
export function organizationStart(rawInput: unknown, workflowIdFor: (organizationId: string) => string): { organizationId: string; eventId?: string | undefined } {
  const { workflowId } = workflowInfo();
  const parsed = bootstrapWorkflowIdentitySchema.safeParse(rawInput);
  if (!parsed.success || workflowId !== workflowIdFor(parsed.data.organizationId)) {
    throw ApplicationFailure.create({
      type: FailureType.InvalidInput,
      message: parsed.success
        ? `workflow id ${workflowId} is not ${workflowIdFor(parsed.data.organizationId)}`
        : `invalid input: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(input)"} ${i.message}`).join("; ")}`,
      nonRetryable: true,
    });
  }
  return parsed.data;
}

/** The path that started this run, from the memo every starter sets (undefined: a starter that set none). */
export function startedByFromMemo(memo: Record<string, unknown> | undefined): StartedBy | undefined {
  const value = memo?.startedBy;
  return (STARTED_BY as readonly unknown[]).includes(value) ? (value as StartedBy) : undefined;
}
