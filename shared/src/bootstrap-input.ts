import { z } from "zod";
import { bootstrapRequestSchema } from "./bootstrap-request.ts";
import { BOOTSTRAP_TASK_QUEUE, BOOTSTRAP_WORKFLOW_TYPE, bootstrapWorkflowId, type StartedBy } from "./workflow-contract.ts";
import type { SearchAttributeName } from "./stack-contract.ts";
import { EVENT_TYPES, ORGANIZATION_STREAM } from "./events/event-types.ts";

/**
 * The bootstrap workflow's input, and everything else a starter puts on the start request.
 * Every path (edge function over gRPC-web, Realtime reconciler, sweep) builds its request from
 * these functions (bootstrapWorkflowStart, or bootstrapStartMetadata beneath it), so the requests
 * are identical and Temporal's workflow-ID uniqueness makes "exactly one workflow per event" hold
 * whichever path wins.
 */

export const bootstrapWorkflowInputSchema = z.strictObject({
  /** The `organization.bootstrap.initiated` event this workflow carries out. */
  eventId: z.uuid(),
  organizationId: z.uuid(),
  /** The validated form, as recorded in the event. */
  payload: bootstrapRequestSchema,
});

export type BootstrapWorkflowInput = z.infer<typeof bootstrapWorkflowInputSchema>;

/** The columns of a `domain_events` row the input is built from (as PostgREST and Realtime deliver them). */
export interface BootstrapEventRow {
  readonly id: string;
  readonly stream_id: string;
  readonly stream_type: string;
  readonly event_type: string;
  readonly event_data: unknown;
}

/**
 * The workflow input for a stored `organization.bootstrap.initiated` event (the reconciler's path);
 * throws a ZodError naming the bad fields when the row is not one.
 */
export function bootstrapInputFromEvent(row: BootstrapEventRow): BootstrapWorkflowInput {
  if (row.event_type !== EVENT_TYPES.bootstrapInitiated || row.stream_type !== ORGANIZATION_STREAM) {
    throw new TypeError(`event ${row.id} is ${row.stream_type}/${row.event_type}, not ${ORGANIZATION_STREAM}/${EVENT_TYPES.bootstrapInitiated}`);
  }
  return bootstrapWorkflowInputSchema.parse({ eventId: row.id, organizationId: row.stream_id, payload: row.event_data });
}

/** What the workflow returns when the organization is active. */
export interface BootstrapWorkflowResult {
  readonly organizationId: string;
  readonly subdomain: string;
  readonly dnsName: string;
  readonly invitations: number;
}

/** Fields of the start request besides id, type, task queue and input: how the Web UI finds and labels the run. */
export interface BootstrapStartMetadata {
  readonly workflowId: string;
  /** Decoded memo values (the starter encodes each as a JSON payload). */
  readonly memo: Readonly<Record<string, string>>;
  /** Keyword search attributes (registered by the stack: SEARCH_ATTRIBUTES). */
  readonly searchAttributes: Readonly<Record<SearchAttributeName, string>>;
  /** One line shown as the run's title in the Web UI (`user_metadata.summary`). */
  readonly staticSummary: string;
}

export function bootstrapStartMetadata(input: BootstrapWorkflowInput, startedBy: StartedBy): BootstrapStartMetadata {
  const { organizationId, eventId, payload } = input;
  return {
    workflowId: bootstrapWorkflowId(organizationId),
    memo: { organizationId, organizationName: payload.name, subdomain: payload.subdomain, eventId, startedBy },
    searchAttributes: { OrganizationId: organizationId, Subdomain: payload.subdomain, StartedBy: startedBy },
    staticSummary: `Bootstrap organization "${payload.name}" (${payload.subdomain})`,
  };
}

/**
 * A bootstrap's start request, independent of the client that sends it: the edge function spreads it
 * into the gRPC-web client's options, the worker adapts it to @temporalio/client's (start-options.ts).
 * The id-reuse and conflict policies are set by those clients (REJECT_DUPLICATE in both), and so is
 * Temporal's requestId: each path has its own rule (the edge: the event id; the reconciler:
 * `{eventId}:{path}:{process}`, see docs/architecture.md), and @temporalio/client makes its own.
 */
export interface BootstrapWorkflowStart extends BootstrapStartMetadata {
  readonly workflowType: string;
  readonly taskQueue: string;
  readonly args: readonly [BootstrapWorkflowInput];
}

export function bootstrapWorkflowStart(
  input: BootstrapWorkflowInput,
  startedBy: StartedBy,
  taskQueue: string = BOOTSTRAP_TASK_QUEUE,
): BootstrapWorkflowStart {
  return {
    ...bootstrapStartMetadata(input, startedBy),
    workflowType: BOOTSTRAP_WORKFLOW_TYPE,
    taskQueue,
    args: [input],
  };
}
