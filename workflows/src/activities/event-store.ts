import type { SupabaseClient } from "@supabase/supabase-js";
import { ApplicationFailure } from "@temporalio/activity";
import type { TriggerEventRow } from "@org-bootstrap/shared/triggers/index.ts";
import { emitArgs, EVENT_TYPES, ORGANIZATION_STREAM, type EventData, type EventType } from "@org-bootstrap/shared/events/index.ts";
import { FailureType } from "../workflows/failure-types.ts";
import { supabaseFailure } from "./supabase-failure.ts";

/** Where an event comes from and what it belongs to; becomes `event_metadata`. */
export interface EventOrigin {
  /** Same key ⇒ same event: a retried activity gets the first event's id back and writes nothing. */
  readonly idempotencyKey: string;
  /** The workflow id: ties every event of one bootstrap together. */
  readonly correlationId: string;
  /** The `organization.bootstrap.initiated` event that caused this one. */
  readonly causationId: string;
}

export interface EventStore {
  /** Appends the event to the organization's stream (or finds it, by idempotency key); resolves with its id. */
  append<T extends EventType>(organizationId: string, eventType: T, data: EventData<T>, origin: EventOrigin): Promise<string>;
  /** The organization stream's recorded `organization.bootstrap.initiated` row, if it has been written. */
  readInitiated(organizationId: string): Promise<TriggerEventRow | undefined>;
  /** The organization stream's recorded `organization.deactivation.requested` row (there is at most one), if written. */
  readDeactivationRequested(organizationId: string): Promise<TriggerEventRow | undefined>;
}

/** The event store through the stream-based `emit_domain_event` RPC, as service_role. */
export function supabaseEventStore(supabase: SupabaseClient): EventStore {
  return {
    async append(organizationId, eventType, data, origin) {
      let args: ReturnType<typeof emitArgs>;
      try {
        args = emitArgs(organizationId, eventType, data, {
          idempotency_key: origin.idempotencyKey,
          correlation_id: origin.correlationId,
          causation_id: origin.causationId,
          source: "workflow",
        });
      } catch (error) {
        // The payload breaks the shared schema: a bug here, which no retry fixes.
        throw ApplicationFailure.create({
          type: FailureType.EventStoreRejected,
          message: `${eventType} payload is invalid: ${(error as Error).message}`,
          nonRetryable: true,
        });
      }
      const { data: eventId, error, status } = await supabase.rpc("emit_domain_event", args);
      if (error) {
        throw supabaseFailure(`emit_domain_event(${eventType})`, status, error);
      }
      if (typeof eventId !== "string") {
        throw ApplicationFailure.create({
          type: FailureType.EventStoreUnavailable,
          message: `emit_domain_event(${eventType}) returned ${JSON.stringify(eventId)}, not an event id`,
        });
      }
      return eventId;
    },

    readInitiated: (organizationId) => readFirst(organizationId, EVENT_TYPES.bootstrapInitiated),
    readDeactivationRequested: (organizationId) => readFirst(organizationId, EVENT_TYPES.deactivationRequested),
  };

  async function readFirst(organizationId: string, eventType: EventType): Promise<TriggerEventRow | undefined> {
    const { data, error, status } = await supabase
      .from("domain_events")
      .select("id,stream_id,stream_type,event_type,event_data")
      .eq("stream_type", ORGANIZATION_STREAM)
      .eq("stream_id", organizationId)
      .eq("event_type", eventType)
      .order("stream_version")
      .limit(1);
    if (error) throw supabaseFailure(`reading the ${eventType} event`, status, error);
    return (data as TriggerEventRow[])[0];
  }
}
