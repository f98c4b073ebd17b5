/**
 * The product workflows' names and ids, shared by every path that starts them (edge functions,
 * Realtime reconciler, sweeps) through their trigger declarations (shared/src/triggers/).
 */

export const BOOTSTRAP_TASK_QUEUE = "organization-bootstrap";
export const BOOTSTRAP_WORKFLOW_TYPE = "organizationBootstrapWorkflow";

export const DEACTIVATE_WORKFLOW_TYPE = "organizationDeactivateWorkflow";

/** The only starter that goes through the proxy: the edge function. */
export const PROXY_STARTED_BY: StartedBy = "edge";

/**
 * Which path started a bootstrap workflow (recorded in `organization.bootstrap.workflow_started`):
 * the edge function, the reconciler's two paths, or an operator's deliberate `bootstrap:retry` of a
 * run that closed without success.
 */
export const STARTED_BY = ["edge", "realtime", "sweep", "retry"] as const;
export type StartedBy = (typeof STARTED_BY)[number];

export const BOOTSTRAP_WORKFLOW_ID_PREFIX = "org-bootstrap-";
export const DEACTIVATE_WORKFLOW_ID_PREFIX = "org-deactivate-";

export function bootstrapWorkflowId(organizationId: string): string {
  return `${BOOTSTRAP_WORKFLOW_ID_PREFIX}${organizationId}`;
}

export function deactivateWorkflowId(organizationId: string): string {
  return `${DEACTIVATE_WORKFLOW_ID_PREFIX}${organizationId}`;
}

/** The organization id inside a bootstrap workflow id, or undefined for any other id. */
export function organizationIdFromWorkflowId(workflowId: string): string | undefined {
  return workflowId.startsWith(BOOTSTRAP_WORKFLOW_ID_PREFIX) ? workflowId.slice(BOOTSTRAP_WORKFLOW_ID_PREFIX.length) : undefined;
}
