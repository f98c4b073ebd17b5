import type { SupabaseClient } from "@supabase/supabase-js";
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError, type Client } from "@temporalio/client";
import { ORGANIZATIONS_PROJECTION } from "@org-bootstrap/shared/events/index.ts";
import { BOOTSTRAP_TASK_QUEUE, BOOTSTRAP_WORKFLOW_TYPE, bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { isUnsuccessfulClose } from "../reconciler/stuck.ts";
import { bootstrapStartOptions } from "../worker/start-options.ts";

/**
 * `bootstrap:retry`: a deliberate new run of a bootstrap whose run closed without success while its
 * organization is still provisioning (a "stuck" organization). Refused for anything else: a running
 * or successful run, an organization that is active or failed (a recorded failure has been
 * compensated; a new request is the way on), an organization that does not exist.
 *
 * The new run carries out the same recorded event: it continues where the closed run stopped, since
 * every step's event is keyed by the workflow id (written once), and it reuses the invitations the
 * closed run left open. Its workflow_started record says `retry`, with the run it replaces, who asked
 * and why.
 */

export class RetryRefused extends Error {
  override readonly name = "RetryRefused";
  constructor(message: string, readonly fix?: string) {
    super(message);
  }
}

export interface RetryRequest {
  readonly organizationId: string;
  readonly requestedBy: string;
  readonly reason: string;
  readonly taskQueue?: string;
}

export interface RetryStarted {
  readonly organizationId: string;
  readonly workflowId: string;
  readonly runId: string;
  readonly previousRunId: string;
  readonly previousStatus: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const MAX_REASON_LENGTH = 500;
export const MAX_REQUESTED_BY_LENGTH = 200;
/** The bootstrap's activity start-to-close timeout (1 min) and a margin. */
export const CLOSED_RUN_SETTLE_MS = 75_000;

export async function retryBootstrap(deps: { client: Client; supabase: SupabaseClient; now?: () => number }, request: RetryRequest): Promise<RetryStarted> {
  const organizationId = request.organizationId.trim().toLowerCase();
  if (!UUID.test(organizationId)) throw new RetryRefused(`"${request.organizationId}" is not an organization id (a UUID)`);
  const reason = request.reason.trim();
  const requestedBy = request.requestedBy.trim();
  if (!reason || reason.length > MAX_REASON_LENGTH) throw new RetryRefused(`the reason must be 1–${MAX_REASON_LENGTH} characters`);
  if (!requestedBy || requestedBy.length > MAX_REQUESTED_BY_LENGTH) throw new RetryRefused(`--by must be 1–${MAX_REQUESTED_BY_LENGTH} characters`);

  const { data, error } = await deps.supabase
    .from(ORGANIZATIONS_PROJECTION)
    .select("id,status,bootstrap_event_id")
    .eq("id", organizationId)
    .maybeSingle();
  if (error) throw new Error(`reading ${ORGANIZATIONS_PROJECTION} failed: ${error.code ?? ""} ${error.message}`);
  const organization = data as { id: string; status: string; bootstrap_event_id: string } | null;
  if (!organization) throw new RetryRefused(`no organization ${organizationId}: it has no recorded bootstrap request`);
  if (organization.status !== "provisioning") {
    throw new RetryRefused(`organization ${organizationId} is ${organization.status}, not provisioning: there is nothing to retry`,
      organization.status === "failed" ? "a failed bootstrap was compensated; submit a new request" : undefined);
  }

  const workflowId = bootstrapWorkflowId(organizationId);
  let previous: { runId: string; status: string; closedAt?: Date };
  try {
    const description = await deps.client.workflow.getHandle(workflowId).describe();
    previous = { runId: description.runId, status: description.status.name, ...(description.closeTime ? { closedAt: description.closeTime } : {}) };
  } catch (caught) {
    if (caught instanceof WorkflowNotFoundError) {
      throw new RetryRefused(`${workflowId} has never run: the reconciler starts it (check the worker's /readyz and logs)`);
    }
    throw caught;
  }
  if (!isUnsuccessfulClose(previous.status)) {
    throw new RetryRefused(`${workflowId} is ${previous.status}: only a run that closed without success (failed, terminated, timed out, cancelled) is retried`);
  }

  // Terminating a run does not stop an activity already running: give the closed run's activities
  // their start-to-close time to finish, so the new run reads what they wrote (its invitations).
  const sinceClose = previous.closedAt ? (deps.now ?? Date.now)() - previous.closedAt.getTime() : Infinity;
  if (sinceClose < CLOSED_RUN_SETTLE_MS) {
    throw new RetryRefused(`${workflowId} closed ${Math.round(sinceClose / 1000)} s ago: its last activities may still be finishing`,
      `retry in ${Math.ceil((CLOSED_RUN_SETTLE_MS - sinceClose) / 1000)} s`);
  }

  const options = bootstrapStartOptions({ organizationId, eventId: organization.bootstrap_event_id }, "retry", request.taskQueue ?? BOOTSTRAP_TASK_QUEUE);
  try {
    const handle = await deps.client.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, {
      ...options,
      // The one start that may follow a closed run, and only an unsuccessful one.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      memo: { ...options.memo, retryOfRunId: previous.runId, retryOfStatus: previous.status, requestedBy, reason },
    });
    return { organizationId, workflowId, runId: handle.firstExecutionRunId, previousRunId: previous.runId, previousStatus: previous.status };
  } catch (caught) {
    if (caught instanceof WorkflowExecutionAlreadyStartedError) {
      throw new RetryRefused(`${workflowId} was started again meanwhile (another retry?): nothing done`);
    }
    throw caught;
  }
}
