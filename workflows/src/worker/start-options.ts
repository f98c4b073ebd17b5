import { WorkflowIdReusePolicy, type WorkflowStartOptions } from "@temporalio/client";
// @temporalio/common comes with @temporalio/client (same version); the client does not re-export these two.
import { defineSearchAttributeKey, SearchAttributeType } from "@temporalio/common";
import {
  bootstrapStartMetadata,
  type BootstrapWorkflowInput,
} from "@org-bootstrap/shared/bootstrap-input.ts";
import { BOOTSTRAP_TASK_QUEUE, type StartedBy } from "@org-bootstrap/shared/workflow-contract.ts";
import type { organizationBootstrapWorkflow } from "../workflows/organization-bootstrap.ts";

const keyword = (name: string) => defineSearchAttributeKey(name, SearchAttributeType.KEYWORD);

/**
 * The start request of a bootstrap through @temporalio/client (Node paths: reconciler, tests),
 * built from the same shared metadata the edge function encodes by hand for gRPC-web.
 * REJECT_DUPLICATE: a closed bootstrap (active or failed) is never re-run by a late starter.
 */
export function bootstrapStartOptions(
  input: BootstrapWorkflowInput,
  startedBy: StartedBy,
  taskQueue: string = BOOTSTRAP_TASK_QUEUE,
): WorkflowStartOptions<typeof organizationBootstrapWorkflow> {
  const metadata = bootstrapStartMetadata(input, startedBy);
  return {
    taskQueue,
    workflowId: metadata.workflowId,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    memo: metadata.memo,
    typedSearchAttributes: Object.entries(metadata.searchAttributes).map(([name, value]) => ({ key: keyword(name), value })),
    staticSummary: metadata.staticSummary,
  };
}
