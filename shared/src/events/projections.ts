import { z } from "zod";
import { STARTED_BY } from "../workflow-contract.ts";

/**
 * `organizations_projection.status`: provisioning → active, or provisioning → failed; then, after a
 * deactivation, deactivated (from active, failed or a provisioning that will never finish).
 */
export const ORGANIZATION_STATUSES = ["provisioning", "active", "failed", "deactivated"] as const;
export type OrganizationStatus = (typeof ORGANIZATION_STATUSES)[number];

/** `invitations_projection.status`: pending → sent → accepted, or revoked / expired. */
export const INVITATION_STATUSES = ["pending", "sent", "accepted", "revoked", "expired"] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export const ORGANIZATIONS_PROJECTION = "organizations_projection";
export const INVITATIONS_PROJECTION = "invitations_projection";

/** A row of organizations_projection as PostgREST returns it (timestamps as ISO strings). */
export const organizationRowSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  subdomain: z.string(),
  contact_email: z.string(),
  status: z.enum(ORGANIZATION_STATUSES),
  bootstrap_event_id: z.uuid(),
  bootstrap_workflow_id: z.string().nullable(),
  bootstrap_run_id: z.string().nullable(),
  bootstrap_started_by: z.enum(STARTED_BY).nullable(),
  subdomain_provisioned_at: z.string().nullable(),
  failure_reason: z.string().nullable(),
  compensated_at: z.string().nullable(),
  /** Set by organization.deactivation.requested: a deactivation is under way until deactivated_at. */
  deactivation_requested_at: z.string().nullable(),
  deactivation_reason: z.string().nullable(),
  deactivation_workflow_id: z.string().nullable(),
  deactivation_run_id: z.string().nullable(),
  deactivation_started_by: z.enum(STARTED_BY).nullable(),
  deactivated_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type OrganizationRow = z.infer<typeof organizationRowSchema>;

/**
 * A row of invitations_projection as PostgREST returns it. The token's hash is not part of it: it
 * lives in private.invitation_tokens, which no API role can read (migration 20251201001600).
 */
export const invitationRowSchema = z.object({
  id: z.uuid(),
  organization_id: z.uuid(),
  email: z.string(),
  role: z.string(),
  status: z.enum(INVITATION_STATUSES),
  expires_at: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type InvitationRow = z.infer<typeof invitationRowSchema>;
