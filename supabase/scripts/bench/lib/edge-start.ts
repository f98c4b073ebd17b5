/**
 * StartWorkflowExecution as the edge function sends it (the shared builder, the event id as
 * requestId). Runs under Node (proxy-overhead.ts) and Deno (deno-caller.ts).
 */
import { bootstrapWorkflowStart, type BootstrapStartIdentity } from "@org-bootstrap/shared/bootstrap-input.ts";
import type { StartWorkflowOptions, StartWorkflowResult, TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";

export function edgeStartRequest(input: BootstrapStartIdentity): StartWorkflowOptions {
  return { ...bootstrapWorkflowStart(input, "edge"), requestId: input.eventId };
}

/** Every benchmark start is of a new workflow: anything else means the measurement is wrong. */
export function expectStarted(result: StartWorkflowResult): void {
  if (result.status !== "started") throw new Error(`expected a new run, got ${result.status}`);
}

/** One start, the request built before the timer: the call alone, in ms. */
export async function timedEdgeStart(client: TemporalClient, input: BootstrapStartIdentity): Promise<number> {
  const request = edgeStartRequest(input);
  const began = performance.now();
  const result = await client.startWorkflow(request);
  const elapsed = performance.now() - began;
  expectStarted(result);
  return elapsed;
}
