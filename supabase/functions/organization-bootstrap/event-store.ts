import type { SupabaseClient } from "@supabase/supabase-js";
import { EVENT_TYPES, ORGANIZATION_STREAM, SQLSTATE, emitArgs, type EventData, type EventMetadata } from "@org-bootstrap/shared/events/index.ts";

/** The event store as this function uses it, through PostgREST with the service role. */
export interface BootstrapEventStore {
  /**
   * Writes `organization.bootstrap.initiated`, or returns the id of the event already recorded with the
   * same idempotency key and request_hash. `idempotency_key_reused` when that key's event was recorded
   * for another request_hash; `subdomain_taken` when the projection refused it (another organization
   * holds the subdomain, or this stream is already bootstrapped).
   */
  emitInitiated(
    organizationId: string,
    data: EventData<typeof EVENT_TYPES.bootstrapInitiated>,
    metadata: EventMetadata & { request_hash?: string },
  ): Promise<{ ok: true; eventId: string } | { ok: false; reason: "subdomain_taken" | "idempotency_key_reused" }>;
  /** The initiated event already written on this organization's stream, if any (read only when an emit was refused). */
  findInitiated(organizationId: string): Promise<{ eventId: string; requestHash: string | undefined } | undefined>;
  findOrganizationIdBySubdomain(subdomain: string): Promise<string | undefined>;
  emitWorkflowStarted(organizationId: string, data: EventData<typeof EVENT_TYPES.bootstrapWorkflowStarted>, metadata: EventMetadata): Promise<string>;
}

/** Thrown for failures the caller cannot fix (answered as a generic 500, logged with context). */
export class StoreError extends Error {
  override readonly name = "StoreError";
}

export function supabaseEventStore(db: SupabaseClient): BootstrapEventStore {
  return {
    async emitInitiated(organizationId, data, metadata) {
      const { data: eventId, error } = await db.rpc("emit_domain_event", emitArgs(organizationId, EVENT_TYPES.bootstrapInitiated, data, metadata));
      if (error?.code === SQLSTATE.uniqueViolation) return { ok: false, reason: "subdomain_taken" };
      if (error?.code === SQLSTATE.idempotentRequestMismatch) return { ok: false, reason: "idempotency_key_reused" };
      if (error || typeof eventId !== "string") throw new StoreError(`emit_domain_event failed: ${error?.code ?? "no id"} ${error?.message ?? ""}`);
      return { ok: true, eventId };
    },
    async findInitiated(organizationId) {
      const { data, error } = await db
        .from("domain_events")
        .select("id, event_metadata")
        .eq("stream_type", ORGANIZATION_STREAM)
        .eq("stream_id", organizationId)
        .eq("event_type", EVENT_TYPES.bootstrapInitiated)
        .limit(1);
      if (error) throw new StoreError(`reading domain_events failed: ${error.code} ${error.message}`);
      const row = data?.[0] as { id: string; event_metadata: Record<string, unknown> } | undefined;
      if (!row) return undefined;
      const hash = row.event_metadata["request_hash"];
      return { eventId: row.id, requestHash: typeof hash === "string" ? hash : undefined };
    },
    async findOrganizationIdBySubdomain(subdomain) {
      const { data, error } = await db.from("organizations_projection").select("id").eq("subdomain", subdomain).limit(1);
      if (error) throw new StoreError(`reading organizations_projection failed: ${error.code} ${error.message}`);
      return (data?.[0] as { id: string } | undefined)?.id;
    },
    async emitWorkflowStarted(organizationId, data, metadata) {
      const { data: eventId, error } = await db.rpc("emit_domain_event", emitArgs(organizationId, EVENT_TYPES.bootstrapWorkflowStarted, data, metadata));
      if (error || typeof eventId !== "string") throw new StoreError(`emit_domain_event failed: ${error?.code ?? "no id"} ${error?.message ?? ""}`);
      return eventId;
    },
  };
}
