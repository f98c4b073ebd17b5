import { ApplicationFailure, Context, log } from "@temporalio/activity";
import { WorkflowNotFoundError } from "@temporalio/client";
import { recordedBootstrapFromEvent } from "@org-bootstrap/shared/bootstrap-input.ts";
import { deactivationRequestedSchema, EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { FailureType } from "../workflows/failure-types.ts";
import { origin } from "./context.ts";
import type { ActivityDeps } from "./deps.ts";
import { invalidRecordedEvent } from "./recorded-event.ts";
import type { BeginArgs, BootstrapRef } from "./types.ts";

/** The recorded deactivation request, and what it applies to, as the store has them. */
export interface RecordedDeactivation {
  readonly eventId: string;
  readonly reason: string;
  /** From the organization's recorded bootstrap request: the name whose DNS record goes. */
  readonly subdomain: string;
}

/**
 * The deactivation's steps. Like the bootstrap's, each writes its event with a key
 * `${workflowId}:<step>`, so a retried activity (or a retried run) writes nothing twice.
 */
export function deactivationActivities({ events, projections }: ActivityDeps) {
  return {
    /**
     * The deactivation's first step: reads the recorded `organization.deactivation.requested` event
     * (the only source of its reason) and the organization's recorded bootstrap request (its
     * subdomain), then records which path started this run. Resolves null, having written nothing,
     * while the request is not there (the workflow bounds the wait).
     */
    async beginDeactivation(args: BeginArgs): Promise<RecordedDeactivation | null> {
      const row = await events.readDeactivationRequested(args.organizationId);
      if (!row) return null;
      // The read selected the stream and event type; the data is checked with the stored event's schema.
      let reason: string;
      try {
        reason = deactivationRequestedSchema.parse(row.event_data).reason;
      } catch (error) {
        throw invalidRecordedEvent(`the recorded event ${row.id} is not a valid deactivation request`, error);
      }
      const initiated = await events.readInitiated(args.organizationId);
      if (!initiated) {
        throw ApplicationFailure.create({
          type: FailureType.InvalidInput,
          message: `organization ${args.organizationId} has no recorded bootstrap: there is nothing to deactivate`,
          nonRetryable: true,
        });
      }
      let subdomain: string;
      try {
        subdomain = recordedBootstrapFromEvent(initiated).request.subdomain;
      } catch (error) {
        throw invalidRecordedEvent(`the recorded bootstrap ${initiated.id} is not valid`, error);
      }
      if (args.startedBy) {
        const ref: BootstrapRef = { workflowId: args.workflowId, runId: args.runId, organizationId: args.organizationId, eventId: row.id };
        await events.append(args.organizationId, EVENT_TYPES.deactivationWorkflowStarted, {
          workflowId: args.workflowId,
          runId: args.runId,
          startedBy: args.startedBy,
        }, origin(ref, "workflow_started"));
      }
      return { eventId: row.id, reason, subdomain };
    },

    /** True while the organization's bootstrap run is open (asked through the worker's own connection): the deactivation waits for it to close. */
    async bootstrapRunOpen(ref: BootstrapRef): Promise<boolean> {
      try {
        const description = await Context.current().client.workflow.getHandle(bootstrapWorkflowId(ref.organizationId)).describe();
        return description.status.name === "RUNNING";
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },

    /** Revokes every invitation still open (pending or sent), whichever run created it. Resolves with how many it revoked. */
    async revokeOpenInvitations(ref: BootstrapRef): Promise<number> {
      const statuses = await projections.invitationStatuses(ref.organizationId);
      let revoked = 0;
      for (const [invitationId, status] of statuses) {
        if (status !== "pending" && status !== "sent") continue;
        await events.append(ref.organizationId, EVENT_TYPES.invitationRevoked, {
          invitationId,
          reason: "organization deactivated",
        }, origin(ref, "invitation", invitationId, "revoked"));
        revoked += 1;
      }
      log.info("revoked open invitations", { revoked });
      return revoked;
    },

    async recordDeactivated(ref: BootstrapRef, args: { revokedInvitations: number; dnsRecordRemoved: boolean }): Promise<void> {
      await events.append(ref.organizationId, EVENT_TYPES.organizationDeactivated, {
        revokedInvitations: args.revokedInvitations,
        dnsRecordRemoved: args.dnsRecordRemoved,
      }, origin(ref, "organization_deactivated"));
    },
  };
}
