import { createClient, FunctionsHttpError } from "@supabase/supabase-js";
import { setTimeout as delay } from "node:timers/promises";
import type { StackEnv } from "../stack.ts";

export interface BootstrapForm {
  readonly name: string;
  readonly subdomain: string;
  readonly contactEmail: string;
  readonly admins: ReadonlyArray<{ email: string; firstName?: string; lastName?: string }>;
}

export type BootstrapOutcome =
  | { ok: true; organizationId: string; workflowId: string; status: string; workflowUrl: string }
  | { ok: false; message: string };

const STEP_LABELS: Record<string, string> = {
  "organization.bootstrap.initiated": "request recorded",
  "organization.bootstrap.workflow_started": "workflow started",
  "organization.created": "organization created",
  "organization.subdomain.provisioned": "subdomain provisioned",
  "invitation.created": "invitation created",
  "invitation.sent": "invitation email sent",
  "organization.activated": "organization active",
  "organization.bootstrap.failed": "bootstrap failed",
  "invitation.revoked": "invitation revoked",
  "organization.bootstrap.compensated": "partial work undone",
};

/**
 * Bootstraps one organization exactly as the frontend does (`supabase.functions.invoke` with a
 * user's token), then follows its events step by step until the workflow completes or fails.
 */
export async function bootstrapAndFollow(
  env: StackEnv,
  userToken: string,
  form: BootstrapForm,
  write: (line: string) => void,
  timeoutMs = 120_000,
): Promise<BootstrapOutcome> {
  const frontend = createClient(env.SUPABASE_URL, env.SUPABASE_ANON_KEY, {
    auth: { persistSession: false, autoRefreshToken: false },
  });
  const { data, error } = await frontend.functions.invoke("organization-bootstrap", {
    body: form,
    headers: { Authorization: `Bearer ${userToken}` },
  });
  if (error) {
    const body = error instanceof FunctionsHttpError ? await (error.context as Response).json().catch(() => ({})) : {};
    const detail = (body as { error?: { message?: string; issues?: Array<{ path: string; message: string }> } }).error;
    const issues = detail?.issues?.map((i) => `${i.path}: ${i.message}`).join("; ");
    return { ok: false, message: `${detail?.message ?? error.message}${issues ? ` (${issues})` : ""}` };
  }
  const response = data as { organizationId: string; workflowId: string; status: string };
  const workflowUrl = `${env.TEMPORAL_UI_URL}/namespaces/${env.TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(response.workflowId)}`;
  write(`  organization ${response.organizationId}: ${response.status === "started" ? "workflow started" : "queued for the reconciler"}`);

  // The service role reads the stream: the operator's view, like the Web UI.
  const admin = createClient(env.SUPABASE_URL, env.SUPABASE_SERVICE_ROLE_KEY, {
    auth: { persistSession: false, autoRefreshToken: false },
  });
  const seen = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { data: events } = await admin
      .from("domain_events")
      .select("id, event_type, event_data")
      .eq("stream_id", response.organizationId)
      .order("stream_version");
    for (const event of (events ?? []) as Array<{ id: string; event_type: string; event_data: Record<string, unknown> }>) {
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      const detail = typeof event.event_data.email === "string" ? ` (${event.event_data.email})` : "";
      write(`  ✔ ${STEP_LABELS[event.event_type] ?? event.event_type}${detail}`);
    }
    const { data: org } = await admin.from("organizations_projection").select("status").eq("id", response.organizationId).maybeSingle();
    const status = (org as { status?: string } | null)?.status;
    if (status === "active" || status === "failed") {
      return { ok: true, organizationId: response.organizationId, workflowId: response.workflowId, status, workflowUrl };
    }
    await delay(200);
  }
  return { ok: false, message: `no result after ${timeoutMs / 1000} s: see ${workflowUrl}` };
}
