import { z } from "zod";
import { STARTED_BY } from "../workflow-contract.ts";
import { MAX_ADMINS } from "../bootstrap-request.ts";

/**
 * `event_data` of every known event, keys camelCase. These schemas validate stored data, so they
 * never transform (parse(x) deep-equals x): writers normalise before emitting (the edge function
 * parses the request with bootstrapRequestSchema first). The SQL side checks only the required keys
 * and their JSON types (private.domain_event_contract()); supabase/tests checks that both agree.
 */

const nonBlank = (max: number) => z.string().min(1).max(max).regex(/\S/, "must not be blank");
const email = z.email().max(254);
/** A lower-case DNS label, as bootstrapRequestSchema produces it. */
const subdomain = z.string().min(1).max(63).regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "must be a lower-case DNS label");
const timestamp = z.iso.datetime({ offset: true });

export const adminSchema = z.object({
  email,
  firstName: nonBlank(100).optional(),
  lastName: nonBlank(100).optional(),
});

export const bootstrapInitiatedSchema = z.object({
  name: nonBlank(200),
  subdomain,
  contactEmail: email,
  admins: z.array(adminSchema).min(1).max(MAX_ADMINS),
});

/**
 * "The workflow of this trigger event exists": written by whichever path started it (or found it
 * started), on the trigger event's stream, with causation_id = the trigger event's id. Every trigger's
 * `startedEventType` carries this payload (shared/src/triggers/).
 */
export const workflowStartedSchema = z.object({
  workflowId: nonBlank(255),
  runId: nonBlank(255),
  startedBy: z.enum(STARTED_BY),
  /** Only on a run an operator started with `bootstrap:retry`: what it replaced, who asked and why. */
  retry: z.object({
    previousRunId: nonBlank(255),
    previousStatus: nonBlank(50),
    requestedBy: nonBlank(200),
    reason: nonBlank(500),
  }).optional(),
});

export const bootstrapWorkflowStartedSchema = workflowStartedSchema;

export const organizationCreatedSchema = z.object({});

export const subdomainProvisionedSchema = z.object({
  subdomain,
  /** The host name that now resolves, e.g. acme.example.com. */
  fqdn: nonBlank(253).optional(),
});

/** The role an invited administrator receives. */
export const ORGANIZATION_ADMIN_ROLE = "organization_admin";

export const invitationCreatedSchema = z.object({
  invitationId: z.uuid(),
  email,
  role: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
  /** Hex SHA-256 of the invitation token; the token itself is never stored. */
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/, "must be a hex SHA-256"),
  expiresAt: timestamp,
  firstName: nonBlank(100).optional(),
  lastName: nonBlank(100).optional(),
});

export const invitationSentSchema = z.object({
  invitationId: z.uuid(),
  /** The mail provider's message id, for tracing a delivery. */
  messageId: nonBlank(255).optional(),
});

export const invitationAcceptedSchema = z.object({
  invitationId: z.uuid(),
  userId: z.uuid().optional(),
});

export const invitationRevokedSchema = z.object({
  invitationId: z.uuid(),
  reason: nonBlank(500).optional(),
});

export const invitationExpiredSchema = z.object({
  invitationId: z.uuid(),
});

export const organizationActivatedSchema = z.object({});

export const bootstrapFailedSchema = z.object({
  reason: nonBlank(2000),
  /** The activity that failed for good, e.g. provisionSubdomain. */
  failedStep: nonBlank(100).optional(),
});

export const bootstrapCompensatedSchema = z.object({
  /** The steps that were undone, in the order they were undone. */
  compensatedSteps: z.array(nonBlank(100)).optional(),
});

/** A platform admin asked for the organization to be deactivated (organization-deactivate, or SQL). */
export const deactivationRequestedSchema = z.object({
  reason: nonBlank(500),
});

export const deactivationWorkflowStartedSchema = workflowStartedSchema;

/** The deactivation is done: invitations revoked, DNS record removed. The subdomain stays reserved. */
export const organizationDeactivatedSchema = z.object({
  revokedInvitations: z.number().int().nonnegative().optional(),
  dnsRecordRemoved: z.boolean().optional(),
});

export const reconcilerCanarySchema = z.object({
  sentAt: timestamp.optional(),
});

export type BootstrapInitiated = z.infer<typeof bootstrapInitiatedSchema>;
export type WorkflowStarted = z.infer<typeof workflowStartedSchema>;
export type BootstrapWorkflowStarted = WorkflowStarted;
export type DeactivationRequested = z.infer<typeof deactivationRequestedSchema>;
export type InvitationCreated = z.infer<typeof invitationCreatedSchema>;
export type BootstrapFailed = z.infer<typeof bootstrapFailedSchema>;
