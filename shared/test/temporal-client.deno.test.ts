/**
 * The Deno runtime (what Supabase Edge Functions run) starts a workflow through the proxy
 * with nothing but fetch. `npm test` runs the proxy beside the stack and exports
 * TEMPORAL_PROXY_URL and TEMPORAL_PROXY_TOKEN. The starts are the edge function's own
 * (identity only: the proxy refuses anything else, execution timeouts included). Their
 * organizations have no recorded event, so a worker that picks one up finds nothing to do
 * and the run ends about a minute later having written nothing.
 */
import assert from "node:assert/strict";
import { createTemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { bootstrapWorkflowStart } from "@org-bootstrap/shared/bootstrap-input.ts";
import { BOOTSTRAP_TASK_QUEUE, BOOTSTRAP_WORKFLOW_TYPE } from "@org-bootstrap/shared/workflow-contract.ts";

function env(name: string): string {
  const value = Deno.env.get(name);
  assert.ok(value, `${name} is not set: run tests through \`npm test\`, which starts the local stack and the proxy`);
  return value;
}

function client() {
  return createTemporalClient({
    proxyUrl: env("TEMPORAL_PROXY_URL"),
    proxyToken: env("TEMPORAL_PROXY_TOKEN"),
    namespace: env("TEMPORAL_NAMESPACE"),
  });
}

function startOptions(organizationId: string, requestId: string) {
  return { ...bootstrapWorkflowStart({ organizationId, eventId: crypto.randomUUID() }, "edge"), requestId };
}

Deno.test("Deno starts a workflow through the proxy over fetch, and describes it", async () => {
  const temporal = client();
  const options = startOptions(crypto.randomUUID(), crypto.randomUUID());
  const result = await temporal.startWorkflow(options);
  assert.equal(result.status, "started");
  assert.ok(result.started && result.runId.length > 0);

  const description = await temporal.describeWorkflow(options.workflowId);
  assert.equal(description.runId, result.runId);
  assert.equal(description.status, "RUNNING");
  assert.equal(description.workflowType, BOOTSTRAP_WORKFLOW_TYPE);
  assert.equal(description.taskQueue, BOOTSTRAP_TASK_QUEUE);
});

Deno.test("from Deno, a retried start is deduplicated and a second one is already_started", async () => {
  const temporal = client();
  const requestId = crypto.randomUUID();
  const options = startOptions(crypto.randomUUID(), requestId);
  const first = await temporal.startWorkflow(options);
  assert.equal(first.status, "started");
  assert.deepEqual(await temporal.startWorkflow(options), first);
  const second = await temporal.startWorkflow({ ...options, requestId: crypto.randomUUID() });
  assert.equal(second.status, "already_started");
  assert.equal(second.runId, first.status === "started" ? first.runId : undefined);
});
