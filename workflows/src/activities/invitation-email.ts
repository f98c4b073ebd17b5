import type { EmailMessage } from "../providers/types.ts";

export interface InvitationEmailInput {
  readonly invitationId: string;
  readonly email: string;
  readonly firstName?: string | undefined;
  readonly organizationName: string;
  readonly acceptUrl: string;
  readonly expiresAt: string;
}

/** The invitation email. Plain text: nothing in it needs markup, and nothing can be injected into it. */
export function invitationEmail(input: InvitationEmailInput, messageIdHost: string): EmailMessage {
  const greeting = input.firstName ? `Hello ${input.firstName},` : "Hello,";
  return {
    // Stable across retries, so a mailbox (or the local outbox) can tell a re-send from a new message.
    messageId: `<invitation.${input.invitationId}@${messageIdHost}>`,
    to: input.email,
    subject: `You are invited to administer ${input.organizationName}`,
    text: [
      greeting,
      "",
      `You have been invited to administer the organization "${input.organizationName}".`,
      "Accept the invitation here:",
      "",
      input.acceptUrl,
      "",
      `The link expires on ${input.expiresAt}. If you did not expect this email, ignore it.`,
    ].join("\n"),
  };
}
