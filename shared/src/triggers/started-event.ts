import { z } from "zod";
import { eventMetadataSchema } from "../events/metadata.ts";
import { workflowStartedSchema } from "../events/payloads.ts";
import { workflowIdOf, type TriggerEventRef, type WorkflowTrigger } from "./workflow-trigger.ts";

export type WorkflowStartedData = z.input<typeof workflowStartedSchema>;

/** The named arguments of `rpc("emit_domain_event", …)` for a trigger's workflow_started event. */
export interface StartedEventArgs {
  readonly p_stream_id: string;
  readonly p_stream_type: string;
  readonly p_event_type: string;
  readonly p_event_data: z.output<typeof workflowStartedSchema>;
  readonly p_event_metadata: z.output<typeof eventMetadataSchema>;
}

/**
 * "The workflow of this trigger event exists", as every starter writes it: on the event's stream,
 * caused by the event (which takes it out of the pending set), and keyed `${workflowId}:workflow_started`,
 * so whichever starter writes first, it is stored once.
 */
export function startedEventArgs(trigger: WorkflowTrigger, ref: TriggerEventRef, data: WorkflowStartedData, source: string): StartedEventArgs {
  const workflowId = workflowIdOf(trigger, ref);
  return {
    p_stream_id: z.uuid().parse(ref.streamId).toLowerCase(),
    p_stream_type: trigger.streamType,
    p_event_type: trigger.startedEventType,
    p_event_data: workflowStartedSchema.parse(data),
    p_event_metadata: eventMetadataSchema.parse({
      idempotency_key: `${workflowId}:workflow_started`,
      correlation_id: workflowId,
      causation_id: ref.eventId.toLowerCase(),
      source,
    }),
  };
}
