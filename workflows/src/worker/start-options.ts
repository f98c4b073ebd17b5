import { WorkflowIdReusePolicy, type WorkflowStartOptions, type Workflow } from "@temporalio/client";
// @temporalio/common comes with @temporalio/client (same version); the client does not re-export these two.
import { defineSearchAttributeKey, SearchAttributeType } from "@temporalio/common";
import type { BootstrapStartIdentity } from "@org-bootstrap/shared/bootstrap-input.ts";
import { organizationBootstrapTrigger, workflowStart, type TriggerEventRef, type WorkflowTrigger } from "@org-bootstrap/shared/triggers/index.ts";
import { BOOTSTRAP_TASK_QUEUE, type StartedBy } from "@org-bootstrap/shared/workflow-contract.ts";
import type { organizationBootstrapWorkflow } from "../workflows/organization-bootstrap.ts";

const keyword = (name: string) => defineSearchAttributeKey(name, SearchAttributeType.KEYWORD);

/**
 * A trigger's start request through @temporalio/client (Node paths: bootstrap:retry, tests,
 * benchmarks), adapted from the shared workflowStart() an edge function sends over gRPC-web.
 * The workflow type is start()'s first argument, not an option.
 * REJECT_DUPLICATE: a closed run is never re-run by a late starter.
 */
export function triggerStartOptions<W extends Workflow>(
  trigger: WorkflowTrigger,
  ref: TriggerEventRef,
  startedBy: StartedBy,
  taskQueue: string = trigger.taskQueue,
): WorkflowStartOptions<W> {
  const start = workflowStart(trigger, ref, startedBy, taskQueue);
  const options = {
    taskQueue: start.taskQueue,
    workflowId: start.workflowId,
    args: [...start.args],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    memo: start.memo,
    typedSearchAttributes: Object.entries(start.searchAttributes).map(([name, value]) => ({ key: keyword(name), value })),
    staticSummary: start.staticSummary,
  };
  // The input is the trigger's identity object ({ [subjectKey], eventId }), whatever W declares.
  return options as unknown as WorkflowStartOptions<W>;
}

/** The bootstrap's: triggerStartOptions for organizationBootstrapTrigger. */
export function bootstrapStartOptions(
  input: BootstrapStartIdentity,
  startedBy: StartedBy,
  taskQueue: string = BOOTSTRAP_TASK_QUEUE,
): WorkflowStartOptions<typeof organizationBootstrapWorkflow> {
  return triggerStartOptions(organizationBootstrapTrigger, { streamId: input.organizationId, eventId: input.eventId }, startedBy, taskQueue);
}
