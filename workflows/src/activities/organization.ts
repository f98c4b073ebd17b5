import { log } from "@temporalio/activity";
import { EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import type { DnsRecord } from "../providers/types.ts";
import { origin } from "./context.ts";
import type { ActivityDeps } from "./deps.ts";
import type { BootstrapRef, FailureArgs, SubdomainArgs, WorkflowStartedArgs } from "./types.ts";

/** The organization's own steps: each writes one event, keyed so that a retry writes nothing new. */
export function organizationActivities({ events, providers }: ActivityDeps) {
  return {
    /**
     * Records which path started this run. The workflow does it itself, as its first step, so the
     * record exists even when the starter died right after starting; a starter that also records it
     * with the same key (`${workflowId}:workflow_started`) adds nothing.
     */
    async recordWorkflowStarted(ref: BootstrapRef, args: WorkflowStartedArgs): Promise<void> {
      await events.append(ref.organizationId, EVENT_TYPES.bootstrapWorkflowStarted, {
        workflowId: ref.workflowId,
        runId: ref.runId,
        startedBy: args.startedBy,
      }, origin(ref, "workflow_started"));
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
