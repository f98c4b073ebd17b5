import type { SupabaseClient } from "@supabase/supabase-js";
import { INVITATIONS_PROJECTION, type InvitationStatus } from "@org-bootstrap/shared/events/index.ts";
import { supabaseFailure } from "./supabase-failure.ts";

/**
 * What the projections say has already happened: lets an activity retried after a crash skip the
 * side effect it already performed (an email) and lets a compensation touch only what exists.
 */
export interface ProjectionReader {
  invitationStatuses(organizationId: string): Promise<Map<string, InvitationStatus>>;
  /**
   * Invitations still open (pending or sent) and valid for at least another hour: a retried bootstrap
   * reuses them instead of inviting twice. One about to expire is not reused (its link would be dead
   * on arrival, or soon after): the retry invites that administrator anew.
   */
  openInvitations(organizationId: string): Promise<OpenInvitation[]>;
}

export interface OpenInvitation {
  readonly invitationId: string;
  readonly email: string;
  readonly expiresAt: string;
}

const REUSE_MIN_VALIDITY_MS = 60 * 60 * 1000;

export function supabaseProjectionReader(supabase: SupabaseClient): ProjectionReader {
  return {
    async invitationStatuses(organizationId) {
      const { data, error, status } = await supabase
        .from(INVITATIONS_PROJECTION)
        .select("id,status")
        .eq("organization_id", organizationId);
      if (error) throw supabaseFailure(`reading ${INVITATIONS_PROJECTION}`, status, error);
      return new Map((data as Array<{ id: string; status: InvitationStatus }>).map((row) => [row.id, row.status]));
    },
    async openInvitations(organizationId) {
      const { data, error, status } = await supabase
        .from(INVITATIONS_PROJECTION)
        .select("id,email,expires_at")
        .eq("organization_id", organizationId)
        .in("status", ["pending", "sent"])
        .gt("expires_at", new Date(Date.now() + REUSE_MIN_VALIDITY_MS).toISOString());
      if (error) throw supabaseFailure(`reading ${INVITATIONS_PROJECTION}`, status, error);
      return (data as Array<{ id: string; email: string; expires_at: string }>).map((row) => ({
        invitationId: row.id,
        email: row.email,
        expiresAt: new Date(row.expires_at).toISOString(),
      }));
    },
  };
}
