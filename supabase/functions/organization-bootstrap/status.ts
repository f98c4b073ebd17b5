import type { SupabaseClient } from "@supabase/supabase-js";
import { ORGANIZATIONS_PROJECTION, INVITATIONS_PROJECTION, type OrganizationStatus, type InvitationStatus } from "@org-bootstrap/shared/events/index.ts";
import { bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import type { TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { isNotFound } from "@org-bootstrap/shared/grpc-web/status.ts";
import { StoreError } from "./event-store.ts";

export interface OrganizationSnapshot {
  readonly id: string;
  readonly name: string;
  readonly subdomain: string;
  readonly status: OrganizationStatus;
  readonly failureReason: string | null;
  readonly startedBy: string | null;
  readonly invitations: ReadonlyArray<{ email: string; status: InvitationStatus }>;
}

export interface StatusReader {
  read(organizationId: string): Promise<OrganizationSnapshot | undefined>;
}

export function supabaseStatusReader(db: SupabaseClient): StatusReader {
  return {
    async read(organizationId) {
      const [org, invitations] = await Promise.all([
        db.from(ORGANIZATIONS_PROJECTION).select("id, name, subdomain, status, failure_reason, bootstrap_started_by").eq("id", organizationId).maybeSingle(),
        db.from(INVITATIONS_PROJECTION).select("email, status").eq("organization_id", organizationId).order("email"),
      ]);
      if (org.error) throw new StoreError(`reading ${ORGANIZATIONS_PROJECTION} failed: ${org.error.code}`);
      if (invitations.error) throw new StoreError(`reading ${INVITATIONS_PROJECTION} failed: ${invitations.error.code}`);
      if (!org.data) return undefined;
      const row = org.data as { id: string; name: string; subdomain: string; status: OrganizationStatus; failure_reason: string | null; bootstrap_started_by: string | null };
      return {
        id: row.id,
        name: row.name,
        subdomain: row.subdomain,
        status: row.status,
        failureReason: row.failure_reason,
        startedBy: row.bootstrap_started_by,
        invitations: (invitations.data ?? []) as Array<{ email: string; status: InvitationStatus }>,
      };
    },
  };
}

/** The projection's view plus Temporal's: the frontend polls this until `active` or `failed`. */
export async function readBootstrapStatus(reader: StatusReader, temporal: TemporalClient, organizationId: string, budgetMs: number, requestId?: string) {
  const organization = await reader.read(organizationId);
  if (!organization) return undefined;
  const workflowId = bootstrapWorkflowId(organizationId);
  let workflow: { status: string; runId: string } | { status: "UNKNOWN" | "NOT_STARTED" };
  try {
    const description = await temporal.describeWorkflow(workflowId, { signal: AbortSignal.timeout(budgetMs), ...(requestId ? { correlationId: requestId } : {}) });
    workflow = { status: description.status, runId: description.runId };
  } catch (error) {
    // NOT_FOUND: the reconciler has not started it yet; anything else: Temporal is unreachable right now.
    workflow = { status: isNotFound(error) ? "NOT_STARTED" : "UNKNOWN" };
  }
  return { organizationId, workflowId, organization, workflow };
}
