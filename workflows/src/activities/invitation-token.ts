import { createHash, createHmac } from "node:crypto";

/**
 * Invitation tokens are derived, not stored: token = HMAC-SHA256(secret, invitation id), and only
 * SHA-256(token) reaches the event store.
 *
 * Why not a fresh random token: the token must be the same in the `invitation.created` event (as a
 * hash) and in the email sent by a later activity. A random one would have to travel between the
 * two through Temporal's history (readable by anyone with Web UI access) or be regenerated on a
 * retry (breaking the stored hash). Derivation gives the same 256-bit unguessable token on every
 * attempt without the token ever being stored anywhere. The invitation id is a random UUID from
 * the workflow; rotating the secret later does not invalidate sent invitations, because accepting
 * one only compares SHA-256(presented token) with the stored hash.
 */
export function invitationToken(secret: string, invitationId: string): string {
  return createHmac("sha256", secret).update(`invitation:${invitationId}`).digest("base64url");
}

/** Lower-case hex SHA-256, the shape private.invitation_tokens.token_hash requires. */
export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
