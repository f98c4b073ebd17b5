import { ApplicationFailure, log } from "@temporalio/activity";
import { recordedBootstrapFromEvent, type RecordedBootstrap } from "@org-bootstrap/shared/bootstrap-input.ts";
import { EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { FailureType } from "../workflows/failure-types.ts";
import type { DnsRecord } from "../providers/types.ts";
import { origin } from "./context.ts";
import type { ActivityDeps } from "./deps.ts";
import type { BootstrapRef, FailureArgs, SubdomainArgs, WorkflowStartedArgs } from "./types.ts";

/** The organization's own steps: each writes one event, keyed so that a retry writes nothing new. */
export function organizationActivities({ events, projections, providers }: ActivityDeps) {
  return {
    /**
     * The recorded `organization.bootstrap.initiated` event: the only source of the bootstrap's
     * business fields. Not there yet: a retryable failure (the workflow bounds the wait). There but
     * not a valid form (a writer that bypassed the edge function): no retry can fix it.
     */
    async loadRecordedBootstrap(args: { organizationId: string }): Promise<RecordedBootstrap> {
      const row = await events.readInitiated(args.organizationId);
      if (!row) {
        throw ApplicationFailure.create({
          type: FailureType.EventNotRecorded,
          message: `organization ${args.organizationId} has no recorded organization.bootstrap.initiated event`,
        });
      }
      try {
        return recordedBootstrapFromEvent(row);
      } catch (error) {
        const issues = (error as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues;
        throw ApplicationFailure.create({
          type: FailureType.InvalidInput,
          message: `the recorded event ${row.id} is not a valid bootstrap request: ${issues ? issues.map((i) => `${i.path.map(String).join(".") || "(data)"} ${i.message}`).join("; ") : String(error)}`,
          nonRetryable: true,
        });
      }
    },

    /** Invitations an earlier run of this bootstrap left open (a retried run reuses them). */
    async openInvitations(ref: BootstrapRef) {
      return projections.openInvitations(ref.organizationId);
    },

    /**
     * Records which path started this run. The workflow does it itself, as its first step, so the
     * record exists even when the starter died right after starting; a starter that also records it
     * with the same key (`${workflowId}:workflow_started`) adds nothing.
     */
    async recordWorkflowStarted(ref: BootstrapRef, args: WorkflowStartedArgs): Promise<void> {
      // A retried run is a second run of one workflow id: its record is keyed by its own run id.
      const key = args.startedBy === "retry" ? origin(ref, "workflow_started", ref.runId) : origin(ref, "workflow_started");
      await events.append(ref.organizationId, EVENT_TYPES.bootstrapWorkflowStarted, {
        workflowId: ref.workflowId,
        runId: ref.runId,
        startedBy: args.startedBy,
        ...(args.retry ? { retry: args.retry } : {}),
      }, key);
    },

    async createOrganization(ref: BootstrapRef): Promise<void> {
      await events.append(ref.organizationId, EVENT_TYPES.organizationCreated, {}, origin(ref, "organization_created"));
    },

    async provisionSubdomain(ref: BootstrapRef, args: SubdomainArgs): Promise<DnsRecord> {
      const record = await providers.dns.ensureRecord({ subdomain: args.subdomain, organizationId: ref.organizationId });
      await events.append(ref.organizationId, EVENT_TYPES.subdomainProvisioned, {
        subdomain: args.subdomain,
        fqdn: record.name,
      }, origin(ref, "subdomain_provisioned"));
      return record;
    },

    async activateOrganization(ref: BootstrapRef): Promise<void> {
      await events.append(ref.organizationId, EVENT_TYPES.organizationActivated, {}, origin(ref, "organization_activated"));
    },

    /** Compensation: removes the DNS record, if this organization has one. */
    async removeSubdomain(ref: BootstrapRef, args: SubdomainArgs): Promise<void> {
      const removed = await providers.dns.removeRecord({ subdomain: args.subdomain, organizationId: ref.organizationId });
      log.info(removed ? "removed the DNS record" : "no DNS record to remove", { subdomain: args.subdomain });
    },

    async recordBootstrapFailed(ref: BootstrapRef, args: FailureArgs): Promise<void> {
      await events.append(ref.organizationId, EVENT_TYPES.bootstrapFailed, {
        reason: args.reason.slice(0, 2000),
        failedStep: args.failedStep,
      }, origin(ref, "bootstrap_failed"));
    },

    async recordBootstrapCompensated(ref: BootstrapRef, args: { compensatedSteps: string[] }): Promise<void> {
      await events.append(ref.organizationId, EVENT_TYPES.bootstrapCompensated, {
        compensatedSteps: args.compensatedSteps,
      }, origin(ref, "bootstrap_compensated"));
    },
  };
}
