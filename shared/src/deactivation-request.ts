import { z } from "zod";
import { printable } from "./bootstrap-request.ts";

/**
 * What a platform admin sends to `organization-deactivate`: which organization, and why (kept in the
 * recorded event and shown to the team and in the Web UI). Nothing else is accepted.
 */
export const deactivationRequestSchema = z.strictObject({
  organizationId: z.uuid({ message: "must be the organization's id (a UUID)" }).transform((id) => id.toLowerCase()),
  reason: printable(z.string().trim().min(3, "must be at least 3 characters").max(500, "must be at most 500 characters")),
});

export type DeactivationRequest = z.infer<typeof deactivationRequestSchema>;
