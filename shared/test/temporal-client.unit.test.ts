/**
 * The gRPC-web Temporal client against an injected fetch: what it puts on the wire, and
 * how it maps every kind of answer. The same client against a real proxy and a real
 * Temporal is tested in workflows/test/proxy.test.ts and temporal-client.deno.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultPayloadConverter } from "@temporalio/common";
import { decodeTypedSearchAttributes } from "@temporalio/common/lib/converter/payload-search-attributes.js";
import { encodeFrame, TRAILERS_FLAG } from "../src/grpc-web/frame.ts";
import { decodeUnaryRequest } from "../src/grpc-web/request.ts";
import { encodeGrpcWebBody } from "../src/grpc-web/response.ts";
import { GrpcError, GrpcStatus, isDeadlineExceeded, isNotFound, isUnavailable } from "../src/grpc-web/status.ts";
import { createTemporalClient, type StartWorkflowOptions } from "../src/temporal/client.ts";
import { enums, google, temporal, workflowservice } from "../src/temporal/proto.ts";

interface Captured {
  url: string;
  headers: Headers;
  body: Uint8Array;
}

function fakeFetch(answer: (captured: Captured) => Response | Promise<Response>) {
  const calls: Captured[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    const captured = { url, headers: new Headers(init.headers), body: new Uint8Array(init.body as Uint8Array) };
    calls.push(captured);
    return answer(captured);
  };
  return { fetch, calls };
}

const grpcWeb = (body: Uint8Array) => new Response(body as Uint8Array<ArrayBuffer>, { status: 200, headers: { "content-type": "application/grpc-web+proto" } });
const ok = (message: Uint8Array) => grpcWeb(encodeGrpcWebBody([message], { code: GrpcStatus.OK, message: "" }));

/** A proxy that never answers; the interval stands in for the open socket that keeps a real fetch's event loop alive. */
const hanging = (_url: string, init: RequestInit) =>
  new Promise<Response>((_resolve, reject) => {
    const socket = setInterval(() => {}, 1_000);
    init.signal?.addEventListener("abort", () => {
      clearInterval(socket);
      reject(init.signal?.reason);
    });
  });

const clientWith = (fetch: ReturnType<typeof fakeFetch>["fetch"], timeoutMs = 5_000) =>
  createTemporalClient({ proxyUrl: "http://proxy.test/", proxyToken: "t".repeat(40), namespace: "default", fetch, timeoutMs });

const start: StartWorkflowOptions = {
  workflowId: "org-bootstrap-7f0c",
  workflowType: "organizationBootstrapWorkflow",
  taskQueue: "organization-bootstrap",
  args: [{ organizationId: "7f0c", admins: ["a@example.com"], nested: { n: 1, ok: true, none: null } }],
  requestId: "6f1d1a52-4a43-4c4e-9d1c-2a1f3c6b9e10",
  memo: { startedBy: "edge", eventId: 42 },
  searchAttributes: { OrganizationId: "7f0c", StartedBy: "edge" },
  staticSummary: "Bootstrap acme",
  workflowExecutionTimeout: 90_500,
};

test("startWorkflow sends one StartWorkflowExecution the default data converter decodes", async () => {
  const { fetch, calls } = fakeFetch(() => ok(workflowservice.StartWorkflowExecutionResponse.encode({ runId: "run-1", started: true }).finish()));
  const result = await clientWith(fetch).startWorkflow(start);
  assert.deepEqual(result, { status: "started", started: true, runId: "run-1" });

  assert.equal(calls.length, 1);
  const call = calls[0]!;
  assert.equal(call.url, "http://proxy.test/temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution");
  assert.equal(call.headers.get("authorization"), `Bearer ${"t".repeat(40)}`);
  assert.equal(call.headers.get("content-type"), "application/grpc-web+proto");
  assert.equal(call.headers.get("grpc-timeout"), "5000m");

  const request = workflowservice.StartWorkflowExecutionRequest.decode(decodeUnaryRequest(call.body, 1 << 20));
  assert.equal(request.namespace, "default");
  assert.equal(request.workflowId, start.workflowId);
  assert.equal(request.workflowType?.name, start.workflowType);
  assert.equal(request.taskQueue?.name, start.taskQueue);
  assert.equal(request.requestId, start.requestId);
  assert.equal(request.identity, "edge-function");
  assert.equal(request.workflowIdReusePolicy, enums.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE);
  assert.equal(Number(request.workflowExecutionTimeout?.seconds), 90);
  assert.equal(request.workflowExecutionTimeout?.nanos, 500_000_000);

  // What the Node worker and the Web UI will see, decoded by the SDK's own converters.
  const args = (request.input?.payloads ?? []).map((payload) => defaultPayloadConverter.fromPayload(payload));
  assert.deepEqual(args, start.args);
  const memo = Object.fromEntries(
    Object.entries(request.memo?.fields ?? {}).map(([key, payload]) => [key, defaultPayloadConverter.fromPayload(payload)]),
  );
  assert.deepEqual(memo, start.memo);
  const typed = decodeTypedSearchAttributes(request.searchAttributes?.indexedFields);
  assert.deepEqual(
    typed.getAll().map((pair) => [pair.key.name, pair.key.type, pair.value]).sort(),
    [["OrganizationId", "KEYWORD", "7f0c"], ["StartedBy", "KEYWORD", "edge"]],
  );
  assert.equal(defaultPayloadConverter.fromPayload(request.userMetadata!.summary!), "Bootstrap acme");
});

test("undefined arguments encode as binary/null, as the SDK does", async () => {
  const { fetch, calls } = fakeFetch(() => ok(workflowservice.StartWorkflowExecutionResponse.encode({ runId: "r" }).finish()));
  await clientWith(fetch).startWorkflow({ ...start, args: [undefined, null, "x"] });
  const request = workflowservice.StartWorkflowExecutionRequest.decode(decodeUnaryRequest(calls[0]!.body, 1 << 20));
  assert.deepEqual(request.input!.payloads!.map((p) => defaultPayloadConverter.fromPayload(p)), [undefined, null, "x"]);
});

test("ALREADY_EXISTS is the already_started result, with the existing run id from the status details", async () => {
  const failure = temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure.encode({ runId: "existing-run" }).finish();
  const status = google.rpc.Status.encode({
    code: 6,
    message: "Workflow execution is already running.",
    details: [{ type_url: "type.googleapis.com/temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure", value: failure }],
  }).finish();
  const { fetch } = fakeFetch(() =>
    grpcWeb(encodeGrpcWebBody([], { code: GrpcStatus.ALREADY_EXISTS, message: "Workflow execution is already running.", details: status })),
  );
  assert.deepEqual(await clientWith(fetch).startWorkflow(start), { status: "already_started", started: false, runId: "existing-run" });

  const { fetch: bare } = fakeFetch(() => new Response(null, { status: 200, headers: { "grpc-status": "6", "grpc-message": "exists" } }));
  assert.deepEqual(await clientWith(bare).startWorkflow(start), { status: "already_started", started: false });
});

test("other statuses are GrpcErrors with the code and the decoded message", async () => {
  const { fetch } = fakeFetch(() =>
    new Response(null, { status: 200, headers: { "grpc-status": "7", "grpc-message": "task%20queue%20%22x%22%20is%20not%20allowed" } }),
  );
  await assert.rejects(clientWith(fetch).startWorkflow(start), (error: unknown) => {
    assert.ok(error instanceof GrpcError);
    assert.equal(error.code, GrpcStatus.PERMISSION_DENIED);
    assert.equal(error.details, 'task queue "x" is not allowed');
    return true;
  });
  const { fetch: unauthorized } = fakeFetch(() => new Response("nope", { status: 401, headers: { "grpc-status": "16" } }));
  await assert.rejects(clientWith(unauthorized).startWorkflow(start), (error: unknown) => (error as GrpcError).code === GrpcStatus.UNAUTHENTICATED);
});

test("a network failure is UNAVAILABLE and a slow proxy DEADLINE_EXCEEDED", async () => {
  const { fetch: refused, calls } = fakeFetch(() => Promise.reject(new TypeError("fetch failed")));
  await assert.rejects(clientWith(refused).startWorkflow(start), (error: unknown) => isUnavailable(error));
  assert.equal(calls.length, 2, "sent once more, then given up");

  const startedAt = Date.now();
  await assert.rejects(clientWith(hanging, 100).startWorkflow(start), (error: unknown) => isDeadlineExceeded(error));
  assert.ok(Date.now() - startedAt < 2_000, "the deadline cut the call short");
});

test("a start whose connection fails before any answer is sent once more, with the same requestId", async () => {
  let attempt = 0;
  const { fetch, calls } = fakeFetch(() => {
    attempt++;
    if (attempt === 1) return Promise.reject(new TypeError("connection reset by peer"));
    return ok(workflowservice.StartWorkflowExecutionResponse.encode({ runId: "run-2" }).finish());
  });
  assert.deepEqual(await clientWith(fetch).startWorkflow(start), { status: "started", started: true, runId: "run-2" });
  assert.equal(calls.length, 2);
  assert.deepEqual(calls[1]!.body, calls[0]!.body, "the identical request, so Temporal deduplicates it");

  const { fetch: answered, calls: answeredCalls } = fakeFetch(() => new Response(null, { headers: { "grpc-status": "14" } }));
  await assert.rejects(clientWith(answered).startWorkflow(start), (error: unknown) => isUnavailable(error));
  assert.equal(answeredCalls.length, 1, "an UNAVAILABLE answer is the caller's to retry, not resent here");
});

test("a caller's abort is CANCELLED, a caller's timeout signal DEADLINE_EXCEEDED", async () => {
  const controller = new AbortController();
  const pending = clientWith(hanging).startWorkflow({ ...start, signal: controller.signal });
  controller.abort();
  await assert.rejects(pending, (error: unknown) => (error as GrpcError).code === GrpcStatus.CANCELLED);

  const budget = clientWith(hanging).startWorkflow({ ...start, signal: AbortSignal.timeout(50) });
  await assert.rejects(budget, (error: unknown) => isDeadlineExceeded(error), "a caller's timeout signal is a deadline");
});

test("describeWorkflow maps status and times; NOT_FOUND is an error", async () => {
  const { fetch, calls } = fakeFetch(() =>
    ok(workflowservice.DescribeWorkflowExecutionResponse.encode({
      workflowExecutionInfo: {
        execution: { workflowId: "org-bootstrap-1", runId: "run-9" },
        type: { name: "organizationBootstrapWorkflow" },
        taskQueue: "organization-bootstrap",
        status: enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
        startTime: { seconds: 1_700_000_000 as never, nanos: 250_000_000 },
        closeTime: { seconds: 1_700_000_060 as never, nanos: 0 },
      },
    }).finish()),
  );
  const description = await clientWith(fetch).describeWorkflow("org-bootstrap-1");
  assert.deepEqual(description, {
    workflowId: "org-bootstrap-1",
    runId: "run-9",
    status: "COMPLETED",
    workflowType: "organizationBootstrapWorkflow",
    taskQueue: "organization-bootstrap",
    startTime: new Date(1_700_000_000_250),
    closeTime: new Date(1_700_000_060_000),
  });
  assert.ok(calls[0]!.url.endsWith("/DescribeWorkflowExecution"));

  const { fetch: missing } = fakeFetch(() => new Response(null, { headers: { "grpc-status": "5", "grpc-message": "workflow not found" } }));
  await assert.rejects(clientWith(missing).describeWorkflow("org-bootstrap-2"), (error: unknown) => isNotFound(error));
});

test("bad options fail at once with a clear message", async () => {
  const { fetch } = fakeFetch(() => ok(new Uint8Array(0)));
  assert.throws(() => createTemporalClient({ proxyUrl: "", proxyToken: "x", namespace: "default", fetch }), /proxyUrl is required/);
  assert.throws(() => createTemporalClient({ proxyUrl: "not a url", proxyToken: "x", namespace: "default", fetch }), TypeError);
  await assert.rejects(clientWith(fetch).startWorkflow({ ...start, requestId: "" }), /requestId is required/);
  await assert.rejects(clientWith(fetch).startWorkflow({ ...start, args: [new Uint8Array(1)] }), /binary values are not supported/);
});

test("a response frame claiming more than the size limit is refused", async () => {
  const header = new Uint8Array(5);
  new DataView(header.buffer).setUint32(1, 64 * 1024 * 1024);
  const { fetch } = fakeFetch(() => grpcWeb(new Uint8Array([...header, ...encodeFrame(new Uint8Array(0), TRAILERS_FLAG)])));
  await assert.rejects(clientWith(fetch).startWorkflow(start), (error: unknown) => {
    assert.equal((error as GrpcError).code, GrpcStatus.INTERNAL);
    assert.match((error as GrpcError).details, /exceeds the 4194304-byte limit/);
    return true;
  });
});
