import crypto from "node:crypto";
import type pg from "pg";
import { EVENT_TYPES } from "@org-bootstrap/shared/events/index.ts";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { bootstrapData, emit, invitationData, uniqueSubdomain } from "./events.ts";

export interface Bootstrapped {
  readonly organizationId: string;
  readonly subdomain: string;
  readonly invitationIds: readonly string[];
}

/** The event sequence of a bootstrap that succeeds: both admins invited, one already accepted. */
export async function successfulBootstrap(db: pg.Pool, subdomain = uniqueSubdomain("ok")): Promise<Bootstrapped> {
  const organizationId = crypto.randomUUID();
  const data = bootstrapData(subdomain);
  await emit(db, organizationId, EVENT_TYPES.bootstrapInitiated, data);
  await emit(db, organizationId, EVENT_TYPES.bootstrapWorkflowStarted, {
    workflowId: bootstrapWorkflowId(organizationId), runId: crypto.randomUUID(), startedBy: "edge",
  });
  await emit(db, organizationId, EVENT_TYPES.organizationCreated, {});
  await emit(db, organizationId, EVENT_TYPES.subdomainProvisioned, { subdomain, fqdn: `${subdomain}.example.test` });
  const invitations = data.admins.map((admin) => invitationData(admin.email));
  for (const invitation of invitations) await emit(db, organizationId, EVENT_TYPES.invitationCreated, invitation);
  for (const invitation of invitations) await emit(db, organizationId, EVENT_TYPES.invitationSent, { invitationId: invitation.invitationId });
  await emit(db, organizationId, EVENT_TYPES.invitationAccepted, { invitationId: invitations[0]!.invitationId });
  await emit(db, organizationId, EVENT_TYPES.organizationActivated, {});
  return { organizationId, subdomain, invitationIds: invitations.map((i) => i.invitationId) };
}

/** A bootstrap whose invitation step fails for good, then is compensated (invitation revoked, DNS undone). */
export async function failedBootstrap(db: pg.Pool, subdomain = uniqueSubdomain("ko")): Promise<Bootstrapped> {
  const organizationId = crypto.randomUUID();
  const data = bootstrapData(subdomain);
  await emit(db, organizationId, EVENT_TYPES.bootstrapInitiated, data);
  await emit(db, organizationId, EVENT_TYPES.bootstrapWorkflowStarted, {
    workflowId: bootstrapWorkflowId(organizationId), runId: crypto.randomUUID(), startedBy: "sweep",
  });
  await emit(db, organizationId, EVENT_TYPES.organizationCreated, {});
  await emit(db, organizationId, EVENT_TYPES.subdomainProvisioned, { subdomain });
  const invitation = invitationData(data.admins[0]!.email);
  await emit(db, organizationId, EVENT_TYPES.invitationCreated, invitation);
  await emit(db, organizationId, EVENT_TYPES.bootstrapFailed, { reason: "smtp rejected the invitation", failedStep: "sendInvitations" });
  await emit(db, organizationId, EVENT_TYPES.invitationRevoked, { invitationId: invitation.invitationId, reason: "bootstrap failed" });
  await emit(db, organizationId, EVENT_TYPES.bootstrapCompensated, { compensatedSteps: ["revokeInvitations", "deprovisionSubdomain"] });
  return { organizationId, subdomain, invitationIds: [invitation.invitationId] };
}
