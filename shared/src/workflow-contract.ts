/**
 * The bootstrap workflow's identity, shared by every path that starts it (edge function,
 * Realtime reconciler, sweep). Every path must build the same start request, so that
 * Temporal's workflow-ID uniqueness makes "exactly one workflow per event" hold.
 */

export const BOOTSTRAP_TASK_QUEUE = "organization-bootstrap";
export const BOOTSTRAP_WORKFLOW_TYPE = "organizationBootstrapWorkflow";

/** Workflow types the gRPC-web proxy lets a caller start. */
export const PROXY_ALLOWED_WORKFLOW_TYPES: readonly string[] = [BOOTSTRAP_WORKFLOW_TYPE];

/** The only starter that goes through the proxy: the edge function. */
export const PROXY_STARTED_BY: StartedBy = "edge";

/**
 * Which path started a bootstrap workflow (recorded in `organization.bootstrap.workflow_started`):
 * the edge function, the reconciler's two paths, or an operator's deliberate `bootstrap:retry` of a
 * run that closed without success.
 */
export const STARTED_BY = ["edge", "realtime", "sweep", "retry"] as const;
export type StartedBy = (typeof STARTED_BY)[number];

const WORKFLOW_ID_PREFIX = "org-bootstrap-";

export function bootstrapWorkflowId(organizationId: string): string {
  return `${WORKFLOW_ID_PREFIX}${organizationId}`;
}

/** The organization id inside a bootstrap workflow id, or undefined for any other id. */
export function organizationIdFromWorkflowId(workflowId: string): string | undefined {
  return workflowId.startsWith(WORKFLOW_ID_PREFIX) ? workflowId.slice(WORKFLOW_ID_PREFIX.length) : undefined;
}
