/**
 * The direct path's transport end to end: the shared gRPC-web client (what the edge
 * function uses) → the proxy → the real Temporal dev server of the test stack, checked
 * with the real @temporalio/client. No worker runs: started workflows stay RUNNING and
 * are terminated afterwards.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { defaultPayloadConverter } from "@temporalio/common";
import { GrpcStatus, isNotFound, type GrpcError } from "@org-bootstrap/shared/grpc-web/status.ts";
import { createTemporalClient, type StartWorkflowOptions, type TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { bootstrapWorkflowStart } from "@org-bootstrap/shared/bootstrap-input.ts";
import { BOOTSTRAP_TASK_QUEUE, BOOTSTRAP_WORKFLOW_TYPE, PROXY_STARTED_BY, organizationIdFromWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { stackEnv } from "../../supabase/local/test/support/env.ts";
import { connectTemporal, freshWorkflowId, startTestProxy, terminateAll, type TestProxy } from "./support/proxy-harness.ts";

let harness: TestProxy;
let temporal: Awaited<ReturnType<typeof connectTemporal>>;
let client: TemporalClient;
const started = new Set<string>();

before(async () => {
  harness = await startTestProxy();
  temporal = await connectTemporal();
  client = createTemporalClient({ proxyUrl: harness.proxy.url, proxyToken: harness.token, namespace: stackEnv().temporalNamespace });
});

after(async () => {
  await terminateAll(temporal, started);
  await temporal.close();
  await harness.proxy.close();
});

/** The edge function's start (the shared builder, the event id as requestId), with a non-ASCII summary to prove the bytes round-trip. */
function bootstrapStart(workflowId: string, eventId = randomUUID()): StartWorkflowOptions {
  started.add(workflowId);
  const organizationId = organizationIdFromWorkflowId(workflowId)!;
  return {
    ...bootstrapWorkflowStart({ organizationId, eventId }, PROXY_STARTED_BY),
    requestId: eventId,
    staticSummary: "Bootstrap Acme Ünïcode ✓",
  };
}

test("a start through the proxy creates the workflow Temporal and its SDK see as sent", async () => {
  const options = bootstrapStart(freshWorkflowId());
  const result = await client.startWorkflow(options);
  assert.equal(result.status, "started");
  assert.ok(result.started && result.runId.length > 0);

  const handle = temporal.workflow.getHandle(options.workflowId);
  const description = await handle.describe();
  assert.equal(description.runId, result.runId);
  assert.equal(description.type, BOOTSTRAP_WORKFLOW_TYPE);
  assert.equal(description.taskQueue, BOOTSTRAP_TASK_QUEUE);
  assert.equal(description.status.name, "RUNNING");
  assert.deepEqual(description.memo, options.memo);
  const attributes = Object.fromEntries(description.typedSearchAttributes.getAll().map((pair) => [pair.key.name, [pair.key.type, pair.value]]));
  assert.deepEqual(attributes, {
    OrganizationId: ["KEYWORD", options.searchAttributes!.OrganizationId],
    StartedBy: ["KEYWORD", "edge"],
  });
  assert.equal(await description.staticSummary(), "Bootstrap Acme Ünïcode ✓");

  // The workflow's input, as the Node worker will receive it.
  const history = await handle.fetchHistory();
  const startedEvent = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  assert.ok(startedEvent, "the first history event is WorkflowExecutionStarted");
  assert.deepEqual((startedEvent.input?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p)), options.args);
  assert.equal(startedEvent.identity, "edge-function");
  assert.equal(startedEvent.workflowExecutionTimeout, null, "no execution timeout unless asked for");
});

test("a retried start with the same requestId returns the same run; another requestId is already_started", async () => {
  const options = bootstrapStart(freshWorkflowId());
  const first = await client.startWorkflow(options);
  assert.equal(first.status, "started");

  const retried = await client.startWorkflow(options);
  assert.deepEqual(retried, first, "Temporal deduplicates by requestId: same run, reported as started");

  const other = await client.startWorkflow({ ...options, requestId: randomUUID() });
  assert.equal(other.status, "already_started");
  assert.equal(other.started, false);
  assert.equal(other.runId, first.status === "started" ? first.runId : undefined, "the run that blocked the start");

  // Visibility is eventually consistent: wait until the run is listed, then count.
  const countRuns = async () => {
    let count = 0;
    for await (const _ of temporal.workflow.list({ query: `WorkflowId = '${options.workflowId}'` })) count++;
    return count;
  };
  const deadline = Date.now() + 10_000;
  let count = await countRuns();
  while (count === 0 && Date.now() < deadline) {
    await delay(100);
    count = await countRuns();
  }
  assert.equal(count, 1, "exactly one workflow execution exists");
});

test("a closed workflow is never re-run for its id (REJECT_DUPLICATE)", async () => {
  const options = bootstrapStart(freshWorkflowId());
  const first = await client.startWorkflow(options);
  await temporal.workflow.getHandle(options.workflowId).terminate("closing it for the test");
  const again = await client.startWorkflow({ ...options, requestId: randomUUID() });
  assert.equal(again.status, "already_started");
  const description = await temporal.workflow.getHandle(options.workflowId).describe();
  assert.equal(description.runId, first.status === "started" ? first.runId : "", "still the first, terminated run");
  assert.equal(description.status.name, "TERMINATED");
});

test("describeWorkflow through the proxy reports the run, and NOT_FOUND for an unknown id", async () => {
  const options = bootstrapStart(freshWorkflowId());
  const result = await client.startWorkflow(options);
  const description = await client.describeWorkflow(options.workflowId);
  assert.equal(description.workflowId, options.workflowId);
  assert.equal(description.runId, result.status === "started" ? result.runId : "");
  assert.equal(description.status, "RUNNING");
  assert.equal(description.workflowType, BOOTSTRAP_WORKFLOW_TYPE);
  assert.equal(description.taskQueue, BOOTSTRAP_TASK_QUEUE);
  assert.ok(description.startTime && Math.abs(description.startTime.getTime() - Date.now()) < 60_000);
  assert.equal(description.closeTime, undefined);

  await assert.rejects(client.describeWorkflow(freshWorkflowId()), (error: unknown) => {
    assert.ok(isNotFound(error), String(error));
    assert.equal((error as GrpcError).code, GrpcStatus.NOT_FOUND);
    return true;
  });
});

test("each forwarded call is logged as one JSON line with method, request, workflow and event ids, status and time, never the token or payload", async () => {
  const options = { ...bootstrapStart(freshWorkflowId()), correlationId: "req-proxy-test-1" };
  const before = harness.rawLogs.length;
  await client.startWorkflow(options);
  const lines = harness.rawLogs.slice(before);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^\{.*\}\n$/);
  const entry = harness.logs.at(-1)!;
  assert.equal(entry.level, "info");
  assert.equal(entry.msg, "proxy call");
  assert.equal(entry.method, "StartWorkflowExecution");
  assert.equal(entry.requestId, "req-proxy-test-1", "the caller's x-request-id");
  assert.equal(entry.workflowId, options.workflowId);
  assert.equal(entry.eventId, options.requestId, "the event id of the checked input (the start's requestId)");
  assert.equal(entry.trigger, "organization-bootstrap");
  assert.equal(entry.grpcStatus, 0);
  assert.equal(entry.grpcCode, "OK");
  assert.equal(entry.forwarded, true);
  assert.equal(typeof entry.ms, "number");
  assert.ok(!lines[0]!.includes(harness.token), "no token");
  assert.ok(!lines[0]!.includes("Acme") && !lines[0]!.includes("Ünïcode"), "no payload content");
});
