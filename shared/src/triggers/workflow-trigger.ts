import { z } from "zod";
import type { SearchAttributeName } from "../stack-contract.ts";
import type { StartedBy } from "../workflow-contract.ts";

/**
 * "Event X starts workflow Y", declared once. Every path that starts a workflow for a recorded
 * event (an edge function over gRPC-web, the Realtime listener, the catch-up sweep, the Schedule's
 * sweep) builds its start request from the trigger with workflowStart(), so the requests are
 * identical and Temporal's workflow-id uniqueness makes "exactly one workflow per event" hold
 * whichever path wins. The proxy derives what it lets through (workflow types, task queues, id
 * shapes, the exact input, memo and search attributes) from the same declarations.
 *
 * A start carries identity only: the subject (the event's stream id) and the event id. The workflow
 * reads every business field from the recorded event.
 */
export interface WorkflowTrigger {
  /** Short and stable: the `trigger` label of metrics and logs, e.g. `organization-deactivate`. */
  readonly name: string;
  readonly streamType: string;
  /** The recorded event that asks for the workflow (registered in SQL: private.workflow_triggers). */
  readonly eventType: string;
  /** Written once its workflow exists, on the same stream, caused by the trigger event (workflowStartedSchema). */
  readonly startedEventType: string;
  /** Validates the stored event's data with the store's own schema: an event no workflow could carry out is refused. */
  readonly eventData: z.ZodType;
  readonly workflowType: string;
  readonly taskQueue: string;
  /** The workflow id is this prefix and the stream id ("stream": one workflow per stream) or the event id. */
  readonly workflowIdPrefix: string;
  readonly oneWorkflowPer: "stream" | "event";
  /** The input key naming the stream id, e.g. organizationId. */
  readonly subjectKey: string;
  /** The registered Keyword search attribute that holds the stream id, if any. */
  readonly subjectSearchAttribute?: SearchAttributeName;
  /** The run's one-line title in the Web UI. */
  summary(subjectId: string): string;
}

/** The stored event a start is for: what every starter knows. Ids are lower-case UUIDs. */
export interface TriggerEventRef {
  readonly eventId: string;
  readonly streamId: string;
}

/** The columns of a `domain_events` row a trigger reads (as PostgREST and Realtime deliver them). */
export interface TriggerEventRow {
  readonly id: string;
  readonly stream_id: string;
  readonly stream_type: string;
  readonly event_type: string;
  readonly event_data: unknown;
}

/** A start request, independent of the client that sends it (gRPC-web proto, @temporalio/client options). */
export interface WorkflowStart {
  readonly workflowId: string;
  readonly workflowType: string;
  readonly taskQueue: string;
  readonly args: readonly [Readonly<Record<string, string>>];
  /** Decoded memo values (the starter encodes each as a JSON payload). */
  readonly memo: Readonly<Record<string, string>>;
  /** Keyword search attributes set at the start (the workflow may add others from the recorded event). */
  readonly searchAttributes: Readonly<Partial<Record<SearchAttributeName, string>>>;
  /** One line shown as the run's title in the Web UI (`user_metadata.summary`). */
  readonly staticSummary: string;
}

const lowerUuid = z.uuid().transform((id) => id.toLowerCase());

export function workflowIdOf(trigger: WorkflowTrigger, ref: TriggerEventRef): string {
  const key = trigger.oneWorkflowPer === "stream" ? ref.streamId : ref.eventId;
  return `${trigger.workflowIdPrefix}${key.toLowerCase()}`;
}

/** The start's input: `{ [subjectKey]: streamId, eventId }`. */
export function workflowInputOf(trigger: WorkflowTrigger, ref: TriggerEventRef): Readonly<Record<string, string>> {
  return { [trigger.subjectKey]: ref.streamId.toLowerCase(), eventId: ref.eventId.toLowerCase() };
}

/**
 * What a start for this trigger may carry, exactly: the subject and the event id, lower-case UUIDs.
 * The proxy parses the edge function's input with it; workflows read theirs leniently.
 */
export function strictInputSchema(trigger: WorkflowTrigger) {
  return z.strictObject({ [trigger.subjectKey]: lowerUuid, eventId: lowerUuid });
}

/** The event a start's input names (the inverse of workflowInputOf); undefined when the input is not this trigger's. */
export function refFromInput(trigger: WorkflowTrigger, input: unknown): TriggerEventRef | undefined {
  const parsed = strictInputSchema(trigger).safeParse(input);
  if (!parsed.success) return undefined;
  return { streamId: parsed.data[trigger.subjectKey] as string, eventId: parsed.data["eventId"] as string };
}

/**
 * The one start-request builder. The id-reuse and conflict policies are set by the clients
 * (REJECT_DUPLICATE in all), and so is Temporal's requestId: each path has its own rule (the edge:
 * the event id; the reconciler: `{eventId}:{path}:{process}`, see docs/architecture.md).
 */
export function workflowStart(trigger: WorkflowTrigger, ref: TriggerEventRef, startedBy: StartedBy, taskQueue: string = trigger.taskQueue): WorkflowStart {
  const streamId = ref.streamId.toLowerCase();
  const eventId = ref.eventId.toLowerCase();
  return {
    workflowId: workflowIdOf(trigger, ref),
    workflowType: trigger.workflowType,
    taskQueue,
    args: [workflowInputOf(trigger, ref)],
    memo: { [trigger.subjectKey]: streamId, eventId, startedBy },
    searchAttributes: { ...(trigger.subjectSearchAttribute ? { [trigger.subjectSearchAttribute]: streamId } : {}), StartedBy: startedBy },
    staticSummary: trigger.summary(streamId),
  };
}

/** True when `workflowId` has this trigger's shape: its prefix and a lower-case UUID. */
export function isWorkflowIdOf(trigger: WorkflowTrigger, workflowId: string): boolean {
  if (!workflowId.startsWith(trigger.workflowIdPrefix)) return false;
  const key = workflowId.slice(trigger.workflowIdPrefix.length);
  const parsed = lowerUuid.safeParse(key);
  return parsed.success && parsed.data === key;
}

/**
 * A stored row of this trigger's event, validated: its stream type, its data (with the stored-event
 * schema, not today's form rules), its ids. Throws (a ZodError naming the fields, or a TypeError) when
 * no workflow could carry it out.
 */
export function refFromEvent(trigger: WorkflowTrigger, row: TriggerEventRow): TriggerEventRef {
  if (row.event_type !== trigger.eventType || row.stream_type !== trigger.streamType) {
    throw new TypeError(`event ${row.id} is ${row.stream_type}/${row.event_type}, not ${trigger.streamType}/${trigger.eventType}`);
  }
  trigger.eventData.parse(row.event_data);
  return { eventId: lowerUuid.parse(row.id), streamId: lowerUuid.parse(row.stream_id) };
}
