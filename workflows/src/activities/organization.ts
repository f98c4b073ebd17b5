import { log } from "@temporalio/activity";
import { recordedBootstrapFromEvent, type RecordedBootstrap } from "@org-bootstrap/shared/bootstrap-input.ts";
import { EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import type { DnsRecord } from "../providers/types.ts";
import { origin } from "./context.ts";
import { invalidRecordedEvent } from "./recorded-event.ts";
import type { ActivityDeps } from "./deps.ts";
import type { BeginArgs, BootstrapRef, FailureArgs, SubdomainArgs } from "./types.ts";

/** The organization's own steps: each writes one event, keyed so that a retry writes nothing new. */
export function organizationActivities({ events, projections, providers }: ActivityDeps) {
  return {
    /**
     * The bootstrap's first step: reads the recorded `organization.bootstrap.initiated` event, the only
     * source of its business fields, then records which path started this run. Resolves null, having
     * written nothing, while the event is not there (the workflow bounds the wait). A recorded event
     * that is not a valid form (a writer that bypassed the edge function) is a failure no retry fixes.
     *
     * The start record is written by the run itself so it exists even when the starter died right
     * after starting; a starter that also wrote it with the same key
     * (`${workflowId}:workflow_started`) adds nothing. A retried run's record is keyed by its run id.
     */
    async beginBootstrap(args: BeginArgs): Promise<RecordedBootstrap | null> {
      const row = await events.readInitiated(args.organizationId);
      if (!row) return null;
      let recorded: RecordedBootstrap;
      try {
        recorded = recordedBootstrapFromEvent(row);
      } catch (error) {
        throw invalidRecordedEvent(`the recorded event ${row.id} is not a valid bootstrap request`, error);
      }
      if (args.startedBy) {
        const ref: BootstrapRef = { workflowId: args.workflowId, runId: args.runId, organizationId: args.organizationId, eventId: recorded.eventId };
        const key = args.startedBy === "retry" ? origin(ref, "workflow_started", ref.runId) : origin(ref, "workflow_started");
        await events.append(ref.organizationId, EVENT_TYPES.bootstrapWorkflowStarted, {
          workflowId: ref.workflowId,
          runId: ref.runId,
          startedBy: args.startedBy,
          ...(args.retry ? { retry: args.retry } : {}),
        }, key);
      }
      return recorded;
    },

    /** Invitations an earlier run of this bootstrap left open (a retried run reuses them). */
    async openInvitations(ref: BootstrapRef) {
      return projections.openInvitations(ref.organizationId);
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

    /** Compensation, and deactivation: removes the DNS record, if this organization has one. Resolves true when it removed one. */
    async removeSubdomain(ref: BootstrapRef, args: SubdomainArgs): Promise<boolean> {
      const removed = await providers.dns.removeRecord({ subdomain: args.subdomain, organizationId: ref.organizationId });
      log.info(removed ? "removed the DNS record" : "no DNS record to remove", { subdomain: args.subdomain });
      return removed;
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
