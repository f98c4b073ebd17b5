import type { StartedBy } from "@org-bootstrap/shared/workflow-contract.ts";

/**
 * Arguments the workflow passes to activities. Plain data (they travel through Temporal's history),
 * and never a secret: invitation tokens are derived inside the activities.
 */

/** Which bootstrap an activity works for. Every event it writes is keyed `${workflowId}:<step>`. */
export interface BootstrapRef {
  readonly workflowId: string;
  readonly runId: string;
  readonly organizationId: string;
  /** The `organization.bootstrap.initiated` event (causation of every event the workflow writes). */
  readonly eventId: string;
}

/** The run that begins, and who started it (undefined: a starter that set no memo; nothing is recorded). */
export interface BeginArgs {
  readonly organizationId: string;
  readonly workflowId: string;
  readonly runId: string;
  readonly startedBy?: StartedBy;
  /** For a run an operator started with `bootstrap:retry`: the run it replaces, and who asked. */
  readonly retry?: RetryOrigin;
}

export interface RetryOrigin {
  readonly previousRunId: string;
  readonly previousStatus: string;
  readonly requestedBy: string;
  readonly reason: string;
}

export interface SubdomainArgs {
  readonly subdomain: string;
}

/** One administrator to invite; the id is chosen by the workflow, so every attempt uses the same one. */
export interface PlannedInvitation {
  readonly invitationId: string;
  readonly email: string;
  readonly firstName?: string | undefined;
  readonly lastName?: string | undefined;
  readonly expiresAt: string;
}

export interface SendInvitationArgs {
  readonly invitation: PlannedInvitation;
  readonly organizationName: string;
}

export interface FailureArgs {
  readonly reason: string;
  readonly failedStep: string;
}
