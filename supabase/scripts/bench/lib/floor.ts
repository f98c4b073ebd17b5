/**
 * The floor's two calls, and the inputs every side of a comparison shares: one Node process doing
 * the function's emit_domain_event with `pg` and the function's StartWorkflowExecution with
 * @temporalio/client, nothing else. Inputs are built apart from the calls, so a benchmark can build
 * them before its timer starts.
 */
import { createHash, randomUUID } from "node:crypto";
import type pg from "pg";
import type { BootstrapRequest } from "@org-bootstrap/shared/bootstrap-request.ts";
import type { EventMetadata } from "@org-bootstrap/shared/events/index.ts";
import { BOOTSTRAP_WORKFLOW_TYPE } from "@org-bootstrap/shared/workflow-contract.ts";
import { bootstrapStartOptions } from "../../../../workflows/src/worker/start-options.ts";
import { benchForm, type BenchSystem } from "./system.ts";

/** One bootstrap's inputs: a new organization, a valid unique form, and metadata shaped like the function's. */
export interface BootstrapInputs {
  readonly organizationId: string;
  readonly form: BootstrapRequest;
  readonly metadata: EventMetadata;
}

export function bootstrapInputs(source: string): BootstrapInputs {
  const form = benchForm();
  return {
    organizationId: randomUUID(),
    form,
    // What the function writes beside the form (its requestId, the caller, the form's hash).
    metadata: { correlation_id: randomUUID(), actor_user_id: randomUUID(), source, request_hash: createHash("sha256").update(JSON.stringify(form)).digest("hex") },
  };
}

/** The floor's first call: the function's emit, straight to Postgres. Resolves with the event id. */
export async function floorEmit(db: pg.Pool, inputs: BootstrapInputs): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `select public.emit_domain_event(p_stream_id => $1, p_stream_type => 'organization',
       p_event_type => 'organization.bootstrap.initiated', p_event_data => $2, p_event_metadata => $3) as id`,
    [inputs.organizationId, inputs.form, inputs.metadata],
  );
  return rows[0]!.id;
}

/** Both floor calls, chained as the function chains its own (the start built once the event id is known). */
export async function floorBootstrap(system: BenchSystem, inputs: BootstrapInputs): Promise<void> {
  const eventId = await floorEmit(system.db, inputs);
  await system.temporal.workflow.start(BOOTSTRAP_WORKFLOW_TYPE, bootstrapStartOptions({ eventId, organizationId: inputs.organizationId }, "edge"));
}
