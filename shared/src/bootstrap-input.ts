import { z } from "zod";
import { bootstrapInitiatedSchema, type BootstrapInitiated } from "./events/payloads.ts";
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

/**
 * The bootstrap workflow's input: identity only. Whoever starts the workflow (the edge function, the
 * reconciler, an operator, or anyone holding the proxy token) can say WHICH organization to bootstrap,
 * never WHAT it is: the workflow's first step loads the stream's recorded
 * `organization.bootstrap.initiated` event and takes every business field (name, subdomain, admins)
 * from it. A forged or early start can therefore only start, early, the work the event describes.
 */
const identityShape = {
  organizationId: z.uuid().transform((id) => id.toLowerCase()),
  /** The initiated event the starter saw: a hint for logs and the Web UI, never trusted over the store. */
  eventId: z.uuid().optional(),
};

/** What a start may carry, exactly: the proxy refuses anything more. */
export const bootstrapWorkflowInputSchema = z.strictObject(identityShape);

/**
 * How the workflow reads its input: the identity, and any other key ignored. A start that says more
 * (an old starter, or one that reached Temporal without the proxy) still only names an organization.
 */
export const bootstrapWorkflowIdentitySchema = z.object(identityShape);

export type BootstrapWorkflowInput = z.input<typeof bootstrapWorkflowInputSchema>;

/** What every starter knows when it starts a bootstrap: the organization, and the event it saw recorded. */
export interface BootstrapStartIdentity {
  readonly organizationId: string;
  readonly eventId: string;
}

/** The columns of a `domain_events` row the input is built from (as PostgREST and Realtime deliver them). */
export interface BootstrapEventRow {
  readonly id: string;
  readonly stream_id: string;
  readonly stream_type: string;
  readonly event_type: string;
  readonly event_data: unknown;
}

/** A stored `organization.bootstrap.initiated` event, validated: what the workflow carries out. */
export interface RecordedBootstrap {
  readonly eventId: string;
  readonly organizationId: string;
  readonly request: BootstrapInitiated;
}

function requireInitiatedRow(row: BootstrapEventRow): void {
  if (row.event_type !== EVENT_TYPES.bootstrapInitiated || row.stream_type !== ORGANIZATION_STREAM) {
    throw new TypeError(`event ${row.id} is ${row.stream_type}/${row.event_type}, not ${ORGANIZATION_STREAM}/${EVENT_TYPES.bootstrapInitiated}`);
  }
}

/**
 * A stored initiated event, validated against the stored event's schema (payloads.ts), not today's
 * form rules: an event recorded under older, looser rules (a name reserved since) is still carried out
 * as recorded. Throws a ZodError naming the bad fields when the payload is not a bootstrap at all (a
 * writer that bypassed the edge function).
 */
export function recordedBootstrapFromEvent(row: BootstrapEventRow): RecordedBootstrap {
  requireInitiatedRow(row);
  return { eventId: row.id, organizationId: row.stream_id.toLowerCase(), request: bootstrapInitiatedSchema.parse(row.event_data) };
}

/**
 * The workflow input for a stored `organization.bootstrap.initiated` event (the reconciler's path);
 * throws when the row is not one, or its payload is not a valid form (no workflow could carry it out).
 */
export function bootstrapInputFromEvent(row: BootstrapEventRow): BootstrapStartIdentity {
  const recorded = recordedBootstrapFromEvent(row);
  return { organizationId: recorded.organizationId, eventId: recorded.eventId };
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
  /** Keyword search attributes (registered by the stack: SEARCH_ATTRIBUTES); the start sets the identity ones. */
  readonly searchAttributes: Readonly<Partial<Record<SearchAttributeName, string>>>;
  /** One line shown as the run's title in the Web UI (`user_metadata.summary`). */
  readonly staticSummary: string;
}

export function bootstrapStartMetadata(input: BootstrapStartIdentity, startedBy: StartedBy): BootstrapStartMetadata {
  const organizationId = input.organizationId.toLowerCase();
  return {
    workflowId: bootstrapWorkflowId(organizationId),
    memo: { organizationId, eventId: input.eventId, startedBy },
    // Subdomain is set by the workflow once it has read the recorded event (upsertSearchAttributes).
    searchAttributes: { OrganizationId: organizationId, StartedBy: startedBy },
    staticSummary: `Bootstrap organization ${organizationId}`,
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
  input: BootstrapStartIdentity,
  startedBy: StartedBy,
  taskQueue: string = BOOTSTRAP_TASK_QUEUE,
): BootstrapWorkflowStart {
  return {
    ...bootstrapStartMetadata(input, startedBy),
    workflowType: BOOTSTRAP_WORKFLOW_TYPE,
    taskQueue,
    args: [{ organizationId: input.organizationId.toLowerCase(), eventId: input.eventId }],
  };
}
