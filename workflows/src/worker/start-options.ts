import { WorkflowIdReusePolicy, type WorkflowStartOptions } from "@temporalio/client";
// @temporalio/common comes with @temporalio/client (same version); the client does not re-export these two.
import { defineSearchAttributeKey, SearchAttributeType } from "@temporalio/common";
import { bootstrapWorkflowStart, type BootstrapStartIdentity } from "@org-bootstrap/shared/bootstrap-input.ts";
import { BOOTSTRAP_TASK_QUEUE, type StartedBy } from "@org-bootstrap/shared/workflow-contract.ts";
import type { organizationBootstrapWorkflow } from "../workflows/organization-bootstrap.ts";

const keyword = (name: string) => defineSearchAttributeKey(name, SearchAttributeType.KEYWORD);

/**
 * The start request of a bootstrap through @temporalio/client (Node paths: reconciler, tests),
 * adapted from the shared bootstrapWorkflowStart() the edge function sends over gRPC-web.
 * The workflow type is start()'s first argument, not an option.
 * REJECT_DUPLICATE: a closed bootstrap (active or failed) is never re-run by a late starter.
 */
export function bootstrapStartOptions(
  input: BootstrapStartIdentity,
  startedBy: StartedBy,
  taskQueue: string = BOOTSTRAP_TASK_QUEUE,
): WorkflowStartOptions<typeof organizationBootstrapWorkflow> {
  const start = bootstrapWorkflowStart(input, startedBy, taskQueue);
  return {
    taskQueue: start.taskQueue,
    workflowId: start.workflowId,
    args: [...start.args],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    memo: start.memo,
    typedSearchAttributes: Object.entries(start.searchAttributes).map(([name, value]) => ({ key: keyword(name), value })),
    staticSummary: start.staticSummary,
  };
}
