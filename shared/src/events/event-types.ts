/**
 * Names of the event store's streams and events: the strings stored in `domain_events.stream_type`
 * and `domain_events.event_type`. Event types are `dotted.lower_case` (a CHECK on the table).
 */

/** An organization's whole history, invitation events included: stream_id = organization id. */
export const ORGANIZATION_STREAM = "organization";
/** The reconciler's liveness canary (its own stream; projections ignore it). */
export const RECONCILER_STREAM = "reconciler";

export const STREAM_TYPES = [ORGANIZATION_STREAM, RECONCILER_STREAM] as const;
export type StreamType = (typeof STREAM_TYPES)[number];

export const EVENT_TYPES = {
  bootstrapInitiated: "organization.bootstrap.initiated",
  bootstrapWorkflowStarted: "organization.bootstrap.workflow_started",
  organizationCreated: "organization.created",
  subdomainProvisioned: "organization.subdomain.provisioned",
  invitationCreated: "invitation.created",
  invitationSent: "invitation.sent",
  invitationAccepted: "invitation.accepted",
  invitationRevoked: "invitation.revoked",
  invitationExpired: "invitation.expired",
  organizationActivated: "organization.activated",
  bootstrapFailed: "organization.bootstrap.failed",
  bootstrapCompensated: "organization.bootstrap.compensated",
  deactivationRequested: "organization.deactivation.requested",
  deactivationWorkflowStarted: "organization.deactivation.workflow_started",
  organizationDeactivated: "organization.deactivated",
  reconcilerCanary: "reconciler.canary",
} as const;

export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

export const ALL_EVENT_TYPES: readonly EventType[] = Object.values(EVENT_TYPES);

/** True for the event types this version of the code knows; others are stored and ignored. */
export function isKnownEventType(value: string): value is EventType {
  return (ALL_EVENT_TYPES as readonly string[]).includes(value);
}
