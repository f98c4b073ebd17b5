/**
 * One StartWorkflowExecution as the edge function sends it (the shared builder, the event id as
 * requestId), timed around the call alone. Runs under Node (proxy-overhead.ts) and Deno (deno-caller.ts).
 */
import { bootstrapWorkflowStart, type BootstrapWorkflowInput } from "@org-bootstrap/shared/bootstrap-input.ts";
import type { TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";

export async function timedEdgeStart(client: TemporalClient, input: BootstrapWorkflowInput): Promise<number> {
  const request = { ...bootstrapWorkflowStart(input, "edge"), requestId: input.eventId };
  const began = performance.now();
  const result = await client.startWorkflow(request);
  const elapsed = performance.now() - began;
  if (result.status !== "started") throw new Error(`expected a new run, got ${result.status}`);
  return elapsed;
}
