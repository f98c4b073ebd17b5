import { z } from "zod";
import { bootstrapInitiatedSchema, type BootstrapInitiated } from "./events/payloads.ts";
import { BOOTSTRAP_TASK_QUEUE, type StartedBy } from "./workflow-contract.ts";
import { organizationBootstrapTrigger } from "./triggers/organization-triggers.ts";
import { workflowStart, type TriggerEventRef, type TriggerEventRow, type WorkflowStart } from "./triggers/workflow-trigger.ts";
import { EVENT_TYPES, ORGANIZATION_STREAM } from "./events/event-types.ts";

/**
 * The bootstrap workflow's input, and everything else a starter puts on the start request.
 * The request itself comes from the one builder, workflowStart() with organizationBootstrapTrigger
 * (shared/src/triggers/); these are its bootstrap-typed names.
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

/** The columns of a `domain_events` row the input is built from: those any trigger reads. */
export type BootstrapEventRow = TriggerEventRow;

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
export type BootstrapStartMetadata = Pick<WorkflowStart, "workflowId" | "memo" | "searchAttributes" | "staticSummary">;

const refOf = (input: BootstrapStartIdentity): TriggerEventRef => ({ streamId: input.organizationId, eventId: input.eventId });

export function bootstrapStartMetadata(input: BootstrapStartIdentity, startedBy: StartedBy): BootstrapStartMetadata {
  const { workflowId, memo, searchAttributes, staticSummary } = workflowStart(organizationBootstrapTrigger, refOf(input), startedBy);
  return { workflowId, memo, searchAttributes, staticSummary };
}

/** A bootstrap's start request: the shared workflowStart() for the bootstrap trigger. */
export type BootstrapWorkflowStart = Omit<WorkflowStart, "args"> & { readonly args: readonly [BootstrapWorkflowInput] };

export function bootstrapWorkflowStart(
  input: BootstrapStartIdentity,
  startedBy: StartedBy,
  taskQueue: string = BOOTSTRAP_TASK_QUEUE,
): BootstrapWorkflowStart {
  return workflowStart(organizationBootstrapTrigger, refOf(input), startedBy, taskQueue) as BootstrapWorkflowStart;
}
