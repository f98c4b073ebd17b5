import { z } from "zod";

/**
 * `event_metadata`: store-level facts about a write, snake_case like the table's columns (the payload
 * in event_data is camelCase). Extra keys are kept.
 */
export const eventMetadataSchema = z.looseObject({
  /** A repeated emit with the same key on the same stream returns the first event's id and writes nothing. */
  idempotency_key: z.string().min(1).max(200).optional(),
  /** Ties together every event caused by one request (e.g. the bootstrap request id). */
  correlation_id: z.string().min(1).max(200).optional(),
  /** The event or command that caused this one. */
  causation_id: z.string().min(1).max(200).optional(),
  /** The Supabase Auth user on whose behalf the event was written. */
  actor_user_id: z.uuid().optional(),
  /** Which component wrote it: edge, workflow, reconciler, seed, … */
  source: z.string().min(1).max(50).optional(),
});

export type EventMetadata = z.infer<typeof eventMetadataSchema>;
