import type { SupabaseClient } from "@supabase/supabase-js";
import { EVENT_TYPES, SQLSTATE, emitArgs, type EventMetadata } from "@org-bootstrap/shared/events/index.ts";
import { organizationDeactivateTrigger, startedEventArgs, type TriggerEventRef, type WorkflowStartedData } from "@org-bootstrap/shared/triggers/index.ts";

/** Why the store refused a deactivation request. */
export type DeactivationRefusal =
  /** No organization has this id (the store's 23503). */
  | "not_found"
  /** The organization failed, or is deactivated: there is nothing to deactivate (P0001). */
  | "organization_not_active"
  /** A deactivation was already requested (P0001): one per organization. */
  | "deactivation_in_progress"
  /** This Idempotency-Key was recorded with another request (PT422). */
  | "idempotency_key_reused";

/** The event store as this function uses it, through PostgREST with the service role. */
export interface DeactivateEventStore {
  /**
   * Writes `organization.deactivation.requested` on the organization's stream, or returns the id of the
   * event already recorded with the same idempotency key and request_hash. The store's projection
   * decides, under the stream's lock, whether the organization may be deactivated.
   */
  emitRequested(
    organizationId: string,
    reason: string,
    metadata: EventMetadata & { request_hash?: string },
  ): Promise<{ ok: true; eventId: string } | { ok: false; reason: DeactivationRefusal }>;
  emitWorkflowStarted(ref: TriggerEventRef, data: WorkflowStartedData, correlationId: string): Promise<string>;
}

/** Thrown for failures the caller cannot fix (answered as a generic 500, logged with context). */
export class StoreError extends Error {
  override readonly name = "StoreError";
}

export function supabaseEventStore(db: SupabaseClient): DeactivateEventStore {
  return {
    async emitRequested(organizationId, reason, metadata) {
      const { data: eventId, error } = await db.rpc("emit_domain_event", emitArgs(organizationId, EVENT_TYPES.deactivationRequested, { reason }, metadata));
      if (error?.code === SQLSTATE.foreignKeyViolation) return { ok: false, reason: "not_found" };
      if (error?.code === SQLSTATE.idempotentRequestMismatch) return { ok: false, reason: "idempotency_key_reused" };
      if (error?.code === SQLSTATE.raiseException) {
        return { ok: false, reason: /already being deactivated/.test(error.message) ? "deactivation_in_progress" : "organization_not_active" };
      }
      if (error || typeof eventId !== "string") throw new StoreError(`emit_domain_event failed: ${error?.code ?? "no id"} ${error?.message ?? ""}`);
      return { ok: true, eventId };
    },
    async emitWorkflowStarted(ref, data, correlationId) {
      const args = startedEventArgs(organizationDeactivateTrigger, ref, data, "edge");
      const { data: eventId, error } = await db.rpc("emit_domain_event", { ...args, p_event_metadata: { ...args.p_event_metadata, correlation_id: correlationId } });
      if (error || typeof eventId !== "string") throw new StoreError(`emit_domain_event failed: ${error?.code ?? "no id"} ${error?.message ?? ""}`);
      return eventId;
    },
  };
}
