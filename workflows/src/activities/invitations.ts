import { log } from "@temporalio/activity";
import { EVENT_TYPES, ORGANIZATION_ADMIN_ROLE } from "@org-bootstrap/shared/events/index.ts";
import { origin } from "./context.ts";
import type { ActivityDeps } from "./deps.ts";
import { invitationEmail } from "./invitation-email.ts";
import { hashInvitationToken, invitationToken } from "./invitation-token.ts";
import type { BootstrapRef, PlannedInvitation, SendInvitationArgs } from "./types.ts";

/**
 * Invitation steps. Keys are per invitation: `${workflowId}:invitation:${invitationId}:<step>`.
 * The id rather than the email: the id is fixed in the workflow's history just like the email, and
 * it keeps keys within the store's 200-character limit (an email alone may have 254).
 */
export function invitationActivities({ events, projections, providers, invitations }: ActivityDeps) {
  const messageIdHost = new URL(invitations.appUrl).hostname || "localhost";

  return {
    /** Writes one `invitation.created` per administrator, with the token's hash only. */
    async createInvitations(ref: BootstrapRef, planned: PlannedInvitation[]): Promise<void> {
      for (const invitation of planned) {
        const token = invitationToken(invitations.tokenSecret, invitation.invitationId);
        await events.append(ref.organizationId, EVENT_TYPES.invitationCreated, {
          invitationId: invitation.invitationId,
          email: invitation.email,
          role: ORGANIZATION_ADMIN_ROLE,
          tokenHash: hashInvitationToken(token),
          expiresAt: invitation.expiresAt,
          ...(invitation.firstName ? { firstName: invitation.firstName } : {}),
          ...(invitation.lastName ? { lastName: invitation.lastName } : {}),
        }, origin(ref, "invitation", invitation.invitationId, "created"));
      }
    },

    /**
     * Emails one invitation, then records `invitation.sent`. A retry after the record was written
     * sends nothing; a retry between the send and the record sends again (SMTP offers no
     * exactly-once), with the same Message-ID and the same link.
     */
    async sendInvitationEmail(ref: BootstrapRef, args: SendInvitationArgs): Promise<void> {
      const { invitation } = args;
      const status = (await projections.invitationStatuses(ref.organizationId)).get(invitation.invitationId);
      if (status === "sent") {
        log.info("invitation already sent", { invitationId: invitation.invitationId });
        return;
      }
      const token = invitationToken(invitations.tokenSecret, invitation.invitationId);
      const message = invitationEmail({
        invitationId: invitation.invitationId,
        email: invitation.email,
        firstName: invitation.firstName,
        organizationName: args.organizationName,
        acceptUrl: `${invitations.appUrl}/invitations/accept?token=${token}`,
        expiresAt: invitation.expiresAt,
      }, messageIdHost);
      await providers.email.send(message);
      await events.append(ref.organizationId, EVENT_TYPES.invitationSent, {
        invitationId: invitation.invitationId,
        messageId: message.messageId,
      }, origin(ref, "invitation", invitation.invitationId, "sent"));
    },

    /** Compensation: revokes every planned invitation that was created and is still open. */
    async revokeInvitations(ref: BootstrapRef, planned: PlannedInvitation[]): Promise<void> {
      const statuses = await projections.invitationStatuses(ref.organizationId);
      for (const invitation of planned) {
        const status = statuses.get(invitation.invitationId);
        if (status !== "pending" && status !== "sent") continue; // never created, or already closed
        await events.append(ref.organizationId, EVENT_TYPES.invitationRevoked, {
          invitationId: invitation.invitationId,
          reason: "organization bootstrap failed",
        }, origin(ref, "invitation", invitation.invitationId, "revoked"));
      }
    },
  };
}
