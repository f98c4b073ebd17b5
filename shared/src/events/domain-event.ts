import { z } from "zod";
import { EVENT_TYPES, ORGANIZATION_STREAM, RECONCILER_STREAM, type EventType, type StreamType } from "./event-types.ts";
import * as payloads from "./payloads.ts";
import { eventMetadataSchema } from "./metadata.ts";

/** Each event type's payload schema and the stream type it belongs on (mirrored in SQL). */
export const EVENT_CONTRACT = {
  [EVENT_TYPES.bootstrapInitiated]: { streamType: ORGANIZATION_STREAM, data: payloads.bootstrapInitiatedSchema },
  [EVENT_TYPES.bootstrapWorkflowStarted]: { streamType: ORGANIZATION_STREAM, data: payloads.bootstrapWorkflowStartedSchema },
  [EVENT_TYPES.organizationCreated]: { streamType: ORGANIZATION_STREAM, data: payloads.organizationCreatedSchema },
  [EVENT_TYPES.subdomainProvisioned]: { streamType: ORGANIZATION_STREAM, data: payloads.subdomainProvisionedSchema },
  [EVENT_TYPES.invitationCreated]: { streamType: ORGANIZATION_STREAM, data: payloads.invitationCreatedSchema },
  [EVENT_TYPES.invitationSent]: { streamType: ORGANIZATION_STREAM, data: payloads.invitationSentSchema },
  [EVENT_TYPES.invitationAccepted]: { streamType: ORGANIZATION_STREAM, data: payloads.invitationAcceptedSchema },
  [EVENT_TYPES.invitationRevoked]: { streamType: ORGANIZATION_STREAM, data: payloads.invitationRevokedSchema },
  [EVENT_TYPES.invitationExpired]: { streamType: ORGANIZATION_STREAM, data: payloads.invitationExpiredSchema },
  [EVENT_TYPES.organizationActivated]: { streamType: ORGANIZATION_STREAM, data: payloads.organizationActivatedSchema },
  [EVENT_TYPES.bootstrapFailed]: { streamType: ORGANIZATION_STREAM, data: payloads.bootstrapFailedSchema },
  [EVENT_TYPES.bootstrapCompensated]: { streamType: ORGANIZATION_STREAM, data: payloads.bootstrapCompensatedSchema },
  [EVENT_TYPES.deactivationRequested]: { streamType: ORGANIZATION_STREAM, data: payloads.deactivationRequestedSchema },
  [EVENT_TYPES.deactivationWorkflowStarted]: { streamType: ORGANIZATION_STREAM, data: payloads.deactivationWorkflowStartedSchema },
  [EVENT_TYPES.organizationDeactivated]: { streamType: ORGANIZATION_STREAM, data: payloads.organizationDeactivatedSchema },
  [EVENT_TYPES.reconcilerCanary]: { streamType: RECONCILER_STREAM, data: payloads.reconcilerCanarySchema },
} as const satisfies Record<EventType, { streamType: StreamType; data: z.ZodType }>;

type Contract = typeof EVENT_CONTRACT;

/** The payload type of one event type, e.g. `EventData<"organization.bootstrap.initiated">`. */
export type EventData<T extends EventType> = z.infer<Contract[T]["data"]>;

const body = <T extends EventType>(type: T) =>
  z.object({
    stream_type: z.literal(EVENT_CONTRACT[type].streamType),
    event_type: z.literal(type),
    event_data: EVENT_CONTRACT[type].data as Contract[T]["data"],
  });

/**
 * What a writer passes to emit_domain_event (besides the stream id): one member per event type,
 * keyed by `event_type`, so `switch (event.event_type)` narrows `event_data`.
 */
export const domainEventBodySchema = z.discriminatedUnion("event_type", [
  body(EVENT_TYPES.bootstrapInitiated),
  body(EVENT_TYPES.bootstrapWorkflowStarted),
  body(EVENT_TYPES.organizationCreated),
  body(EVENT_TYPES.subdomainProvisioned),
  body(EVENT_TYPES.invitationCreated),
  body(EVENT_TYPES.invitationSent),
  body(EVENT_TYPES.invitationAccepted),
  body(EVENT_TYPES.invitationRevoked),
  body(EVENT_TYPES.invitationExpired),
  body(EVENT_TYPES.organizationActivated),
  body(EVENT_TYPES.bootstrapFailed),
  body(EVENT_TYPES.bootstrapCompensated),
  body(EVENT_TYPES.deactivationRequested),
  body(EVENT_TYPES.deactivationWorkflowStarted),
  body(EVENT_TYPES.organizationDeactivated),
  body(EVENT_TYPES.reconcilerCanary),
]);
export type DomainEventBody = z.infer<typeof domainEventBodySchema>;

/**
 * A stored `domain_events` row as JSON delivers it (PostgREST, Realtime's `payload.new`):
 * snake_case columns, `created_at` as an ISO string, `global_position` as a number.
 */
export const domainEventRowSchema = z.intersection(
  z.object({
    id: z.uuid(),
    stream_id: z.uuid(),
    stream_version: z.number().int().positive(),
    event_metadata: eventMetadataSchema,
    created_at: z.string().min(1),
    global_position: z.number().int().positive(),
  }),
  domainEventBodySchema,
);
export type DomainEventRow = z.infer<typeof domainEventRowSchema>;

/** The arguments of the stream-based `emit_domain_event` RPC, type-checked against the payload schema. */
export interface EmitDomainEventArgs<T extends EventType = EventType> {
  p_stream_id: string;
  p_stream_type: Contract[T]["streamType"];
  p_event_type: T;
  p_event_data: EventData<T>;
  p_event_metadata?: z.infer<typeof eventMetadataSchema>;
}

/** Builds (and validates) the named arguments of `rpc("emit_domain_event", …)`. */
export function emitArgs<T extends EventType>(
  streamId: string,
  eventType: T,
  data: EventData<T>,
  metadata?: z.infer<typeof eventMetadataSchema>,
): EmitDomainEventArgs<T> {
  const contract = EVENT_CONTRACT[eventType];
  return {
    p_stream_id: z.uuid().parse(streamId),
    p_stream_type: contract.streamType,
    p_event_type: eventType,
    p_event_data: contract.data.parse(data) as EventData<T>,
    ...(metadata ? { p_event_metadata: eventMetadataSchema.parse(metadata) } : {}),
  };
}
