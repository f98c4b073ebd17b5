/**
 * The proxy faces the internet: everything but an authenticated, allowlisted unary call is
 * refused before it reaches Temporal, and so is any start but the identity-only one the edge
 * function sends (every case below starts from that request, built by the shared builders).
 * Each refusal is checked two ways: the answer the caller gets, and that Temporal never saw the
 * call (the workflow does not exist, or an existing one is untouched). A recording HTTP/2 upstream proves no refused call is
 * forwarded at all, including the ones Temporal itself would also have refused.
 */
import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { encodeFrame } from "@org-bootstrap/shared/grpc-web/frame.ts";
import { GrpcStatus, isUnauthenticated } from "@org-bootstrap/shared/grpc-web/status.ts";
import { bootstrapWorkflowStart } from "@org-bootstrap/shared/bootstrap-input.ts";
import { createTemporalClient, startWorkflowExecutionRequest } from "@org-bootstrap/shared/temporal/client.ts";
import { encodeJsonPayload, encodeSearchAttributePayload } from "@org-bootstrap/shared/temporal/payload.ts";
import { enums, workflowservice, workflowServicePath } from "@org-bootstrap/shared/temporal/proto.ts";
import {
  BOOTSTRAP_TASK_QUEUE,
  BOOTSTRAP_WORKFLOW_TYPE,
  PROXY_STARTED_BY,
  bootstrapWorkflowId,
  organizationIdFromWorkflowId,
} from "@org-bootstrap/shared/workflow-contract.ts";
import { stackEnv } from "../../supabase/local/test/support/env.ts";
import { connectTemporal, freshWorkflowId, rawCall, startTestProxy, terminateAll, workflowExists, type TestProxy } from "./support/proxy-harness.ts";

import type { temporal } from "@temporalio/proto";

type StartFields = temporal.api.workflowservice.v1.StartWorkflowExecutionRequest.$Properties;

const namespace = () => stackEnv().temporalNamespace;

/** The edge function's start for an organization (the shared builders, the event id as requestId). */
function edgeStart(organizationId: string = randomUUID(), eventId: string = randomUUID()): StartFields {
  return startWorkflowExecutionRequest(namespace(), "hostile-test", { ...bootstrapWorkflowStart({ organizationId, eventId }, PROXY_STARTED_BY), requestId: eventId });
}

/** The edge function's start, with `fields` changed; the workflow id's organization is the input's unless `fields` say otherwise. */
function startRequest(fields: StartFields = {}): { workflowId: string; message: Uint8Array } {
  const workflowId = fields.workflowId ?? freshWorkflowId();
  const organizationId = organizationIdFromWorkflowId(workflowId) ?? randomUUID();
  const message = workflowservice.StartWorkflowExecutionRequest.encode({ ...edgeStart(organizationId), ...fields, workflowId }).finish();
  return { workflowId, message };
}

/** A forged start: the edge's own request for an organization, with what a token holder would change. */
const forgedStart = (forge: (start: StartFields) => StartFields) => (): StartFields => {
  const organizationId = randomUUID();
  const start = edgeStart(organizationId);
  return { ...start, workflowId: bootstrapWorkflowId(organizationId), ...forge(start) };
};
const businessInput = (organizationId: string) =>
  ({ organizationId, eventId: randomUUID(), payload: { name: "Evil", subdomain: "evil", admins: [{ email: "attacker@example.com" }] } });

/** Starts that break one rule each; none may reach Temporal. */
const refusedStarts: Array<{ name: string; fields: () => StartFields; reason: RegExp }> = [
  // The input and what a start may carry besides it: the identity only, as the edge function sends it.
  {
    name: "an input carrying business fields (the pre-empt and race forgery)",
    fields: forgedStart((start) => ({ input: { payloads: [encodeJsonPayload(businessInput(organizationIdFromWorkflowId(start.workflowId!)!))] } })),
    reason: /input must be the identity \{organizationId, eventId\} only .*Unrecognized key: "payload"/,
  },
  { name: "two input payloads", fields: forgedStart((start) => ({ input: { payloads: [...start.input!.payloads!, encodeJsonPayload({ subdomain: "evil" })] } })), reason: /input must be exactly one payload.*got 2/ },
  { name: "an input for another organization", fields: forgedStart(() => ({ input: { payloads: [encodeJsonPayload({ organizationId: randomUUID(), eventId: randomUUID() })] } })), reason: /input organizationId must be the workflow id's/ },
  { name: "a memo for another organization", fields: forgedStart((start) => ({ memo: { fields: { ...start.memo!.fields, organizationId: encodeJsonPayload(randomUUID()) } } })), reason: /memo organizationId must be/ },
  { name: "an unknown memo key", fields: forgedStart((start) => ({ memo: { fields: { ...start.memo!.fields, subdomain: encodeJsonPayload("evil") } } })), reason: /memo key "subdomain" is not allowed/ },
  { name: "memo startedBy sweep", fields: forgedStart((start) => ({ memo: { fields: { ...start.memo!.fields, startedBy: encodeJsonPayload("sweep") } } })), reason: /memo startedBy must be "edge"/ },
  { name: "an oversize memo value", fields: forgedStart((start) => ({ memo: { fields: { ...start.memo!.fields, startedBy: encodeJsonPayload("e".repeat(1000)) } } })), reason: /over the 100-byte limit/ },
  {
    name: "an unregistered search attribute",
    fields: forgedStart((start) => ({ searchAttributes: { indexedFields: { ...start.searchAttributes!.indexedFields, CustomerTier: encodeSearchAttributePayload("Keyword", "gold") } } })),
    reason: /search attribute "CustomerTier" is not registered/,
  },
  {
    name: "the Subdomain search attribute",
    fields: forgedStart((start) => ({ searchAttributes: { indexedFields: { ...start.searchAttributes!.indexedFields, Subdomain: encodeSearchAttributePayload("Keyword", "evil") } } })),
    reason: /search attribute Subdomain is not set by a start/,
  },
  {
    name: "an OrganizationId search attribute for another organization",
    fields: forgedStart((start) => ({ searchAttributes: { indexedFields: { ...start.searchAttributes!.indexedFields, OrganizationId: encodeSearchAttributePayload("Keyword", randomUUID()) } } })),
    reason: /search attribute OrganizationId must be/,
  },
  { name: "userMetadata.details", fields: forgedStart((start) => ({ userMetadata: { ...start.userMetadata, details: encodeJsonPayload("# official") } })), reason: /userMetadata: fields not allowed through this proxy: details/ },
  { name: "an oversize summary", fields: forgedStart(() => ({ userMetadata: { summary: encodeJsonPayload("s".repeat(1000)) } })), reason: /over the 256-byte limit/ },
  { name: "a workflowExecutionTimeout", fields: forgedStart(() => ({ workflowExecutionTimeout: { nanos: 1_000_000 } })), reason: /fields not allowed through this proxy: workflowExecutionTimeout/ },
  // The request's own fields.
  { name: "a workflow type not on the allowlist", fields: () => ({ workflowType: { name: "deleteEverythingWorkflow" } }), reason: /workflow type "deleteEverythingWorkflow" is not allowed/ },
  { name: "another task queue", fields: () => ({ taskQueue: { name: "some-other-queue" } }), reason: /task queue "some-other-queue" is not allowed/ },
  { name: "a sticky task queue", fields: () => ({ taskQueue: { name: BOOTSTRAP_TASK_QUEUE, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_STICKY } }), reason: /only normal task queues/ },
  { name: "a workflow id that is not a bootstrap id", fields: () => ({ workflowId: `payroll-${randomUUID()}` }), reason: /workflow id "payroll-.*" is not allowed/ },
  { name: "a workflow id with unsafe characters", fields: () => ({ workflowId: `org-bootstrap-${randomUUID()}/../x` }), reason: /workflow id .* is not allowed/ },
  { name: "the default (ALLOW_DUPLICATE) reuse policy", fields: () => ({ workflowIdReusePolicy: enums.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED }), reason: /must be REJECT_DUPLICATE/ },
  { name: "TERMINATE_IF_RUNNING", fields: () => ({ workflowIdReusePolicy: enums.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING }), reason: /must be REJECT_DUPLICATE/ },
  { name: "a missing requestId", fields: () => ({ requestId: "" }), reason: /requestId is required/ },
  { name: "a cron schedule", fields: () => ({ cronSchedule: "* * * * *" }), reason: /fields not allowed through this proxy: cronSchedule/ },
  { name: "a completion callback (Temporal would call a URL)", fields: () => ({ completionCallbacks: [{ nexus: { url: "http://169.254.169.254/" } }] }), reason: /completionCallbacks/ },
  { name: "a start delay", fields: () => ({ workflowStartDelay: { seconds: 60 as never } }), reason: /workflowStartDelay/ },
];

describe("against the real Temporal", () => {
  let harness: TestProxy;
  let temporalClient: Awaited<ReturnType<typeof connectTemporal>>;
  const started = new Set<string>();

  before(async () => {
    harness = await startTestProxy();
    temporalClient = await connectTemporal();
  });
  after(async () => {
    await terminateAll(temporalClient, started);
    await temporalClient.close();
    await harness.proxy.close();
  });

  const call = (method: string, options: Parameters<typeof rawCall>[2] = {}) =>
    rawCall(harness.proxy.url, method, { token: harness.token, ...options });

  test("no token, a wrong token or another scheme → HTTP 401 with UNAUTHENTICATED, and nothing starts", async () => {
    const { workflowId, message } = startRequest();
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: `Bearer ${"0".repeat(harness.token.length)}` },
      { authorization: "Bearer short" },
      { authorization: `Basic ${harness.token}` },
      { authorization: harness.token },
    ];
    for (const headers of attempts) {
      const answer = await rawCall(harness.proxy.url, "StartWorkflowExecution", { message, headers });
      assert.equal(answer.httpStatus, 401, JSON.stringify(Object.keys(headers)));
      assert.equal(answer.grpcStatus, GrpcStatus.UNAUTHENTICATED);
    }
    // Unauthenticated callers learn nothing about which methods exist.
    assert.equal((await rawCall(harness.proxy.url, "TerminateWorkflowExecution", { message })).httpStatus, 401);

    const wrongClient = createTemporalClient({ proxyUrl: harness.proxy.url, proxyToken: `x${harness.token.slice(1)}`, namespace: namespace() });
    await assert.rejects(
      wrongClient.startWorkflow({ workflowId, workflowType: BOOTSTRAP_WORKFLOW_TYPE, taskQueue: BOOTSTRAP_TASK_QUEUE, args: [], requestId: randomUUID() }),
      (error: unknown) => isUnauthenticated(error),
    );
    assert.equal(await workflowExists(temporalClient, workflowId), false);
    assert.ok(!harness.rawLogs.join("").includes(harness.token), "the token is never logged");
  });

  for (const { name, fields, reason } of refusedStarts) {
    test(`a start with ${name} → PERMISSION_DENIED, and the workflow does not exist`, async () => {
      const { workflowId, message } = startRequest(fields());
      const answer = await call("StartWorkflowExecution", { message });
      assert.equal(answer.httpStatus, 200);
      assert.equal(answer.grpcStatus, GrpcStatus.PERMISSION_DENIED);
      assert.match(answer.grpcMessage, reason);
      assert.equal(await workflowExists(temporalClient, workflowId), false);
    });
  }

  test("TerminateWorkflowExecution → UNIMPLEMENTED, and the running workflow is untouched", async () => {
    const { workflowId, message } = startRequest();
    started.add(workflowId);
    assert.equal((await call("StartWorkflowExecution", { message })).grpcStatus, GrpcStatus.OK);
    const terminate = workflowservice.TerminateWorkflowExecutionRequest.encode({ namespace: namespace(), workflowExecution: { workflowId }, reason: "hostile" }).finish();
    const answer = await call("TerminateWorkflowExecution", { message: terminate });
    assert.equal(answer.grpcStatus, GrpcStatus.UNIMPLEMENTED);
    for (const method of ["SignalWorkflowExecution", "DeleteNamespace", "ListWorkflowExecutions", "startWorkflowExecution"]) {
      assert.equal((await call(method, { message: terminate })).grpcStatus, GrpcStatus.UNIMPLEMENTED, method);
    }
    assert.equal((await temporalClient.workflow.getHandle(workflowId).describe()).status.name, "RUNNING");
  });

  test("a conflicting start with TERMINATE_EXISTING → PERMISSION_DENIED, and the running workflow is untouched", async () => {
    const first = startRequest();
    started.add(first.workflowId);
    assert.equal((await call("StartWorkflowExecution", { message: first.message })).grpcStatus, GrpcStatus.OK);
    const runId = (await temporalClient.workflow.getHandle(first.workflowId).describe()).runId;
    const hostile = startRequest({
      workflowId: first.workflowId,
      workflowIdConflictPolicy: enums.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING,
    });
    const answer = await call("StartWorkflowExecution", { message: hostile.message });
    assert.equal(answer.grpcStatus, GrpcStatus.PERMISSION_DENIED);
    const description = await temporalClient.workflow.getHandle(first.workflowId).describe();
    assert.equal(description.runId, runId);
    assert.equal(description.status.name, "RUNNING");
  });

  test("describing a workflow outside the allowlist → PERMISSION_DENIED", async () => {
    const describe = (workflowId: string, ns = namespace()) =>
      workflowservice.DescribeWorkflowExecutionRequest.encode({ namespace: ns, execution: { workflowId } }).finish();
    assert.equal((await call("DescribeWorkflowExecution", { message: describe("temporal-sys-tq-scanner") })).grpcStatus, GrpcStatus.PERMISSION_DENIED);
    assert.equal((await call("DescribeWorkflowExecution", { message: describe(freshWorkflowId(), "temporal-system") })).grpcStatus, GrpcStatus.PERMISSION_DENIED);
  });

  test("malformed bodies → INVALID_ARGUMENT, and nothing starts", async () => {
    const { workflowId, message } = startRequest();
    const frame = encodeFrame(message);
    const lying = frame.slice();
    new DataView(lying.buffer).setUint32(1, message.length + 10);
    const bodies: Record<string, Uint8Array> = {
      "a lying length prefix": lying,
      "a truncated header": frame.subarray(0, 3),
      "two frames": new Uint8Array([...frame, ...frame]),
      "a compressed frame": new Uint8Array([0x01, ...frame.subarray(1)]),
      "an empty body": new Uint8Array(0),
      "bytes that are not protobuf": encodeFrame(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])),
    };
    for (const [name, body] of Object.entries(bodies)) {
      const answer = await call("StartWorkflowExecution", { body });
      assert.equal(answer.grpcStatus, GrpcStatus.INVALID_ARGUMENT, name);
    }
    assert.equal(await workflowExists(temporalClient, workflowId), false);
  });

  test("a body over 256 KiB → HTTP 413 with RESOURCE_EXHAUSTED, with or without a content-length", async () => {
    const { workflowId } = startRequest();
    const big = startRequest({ workflowId, memo: { fields: { blob: { data: new Uint8Array(300 * 1024) } } } });
    const answer = await call("StartWorkflowExecution", { message: big.message });
    assert.equal(answer.httpStatus, 413);
    assert.equal(answer.grpcStatus, GrpcStatus.RESOURCE_EXHAUSTED);

    // Chunked, so the limit is enforced while reading, not only from the header.
    const chunked = await new Promise<{ status: number; grpcStatus: string | undefined }>((resolve, reject) => {
      const url = new URL(`${harness.proxy.url}${workflowServicePath("StartWorkflowExecution")}`);
      const req = http.request(url, {
        method: "POST",
        headers: { authorization: `Bearer ${harness.token}`, "content-type": "application/grpc-web+proto", "transfer-encoding": "chunked" },
      }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, grpcStatus: res.headers["grpc-status"] as string | undefined });
      });
      req.on("error", reject);
      const frame = encodeFrame(big.message);
      for (let i = 0; i < frame.length; i += 16 * 1024) req.write(frame.subarray(i, i + 16 * 1024));
      req.end();
    });
    assert.equal(chunked.status, 413);
    assert.equal(chunked.grpcStatus, String(GrpcStatus.RESOURCE_EXHAUSTED));
    assert.equal(await workflowExists(temporalClient, workflowId), false);
  });

  test("wrong content type, HTTP method or path are refused; /healthz answers without a token", async () => {
    const { message } = startRequest();
    assert.equal((await call("StartWorkflowExecution", { message, headers: { "content-type": "application/json" } })).httpStatus, 415);
    assert.equal((await call("StartWorkflowExecution", { httpMethod: "GET" })).httpStatus, 405);
    assert.equal((await call("StartWorkflowExecution", { message, path: "/grpc.health.v1.Health/Check" })).httpStatus, 404);
    const health = await fetch(`${harness.proxy.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok" });
  });
});

describe("against a recording upstream", () => {
  let upstream: http2.Http2Server;
  let forwarded: string[];
  let harness: TestProxy;

  before(async () => {
    forwarded = [];
    upstream = http2.createServer();
    upstream.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
      forwarded.push(String(headers[":path"]));
      stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "5", "grpc-message": "recorded" }, { endStream: true });
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    harness = await startTestProxy({ temporalAddress: `127.0.0.1:${(upstream.address() as AddressInfo).port}` });
  });
  after(async () => {
    await harness.proxy.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  test("no refused call is forwarded; an allowed one is, exactly once", async () => {
    const call = (method: string, options: Parameters<typeof rawCall>[2]) => rawCall(harness.proxy.url, method, options);
    const refused: Array<Promise<unknown>> = [
      call("StartWorkflowExecution", { message: startRequest().message }), // no token
      call("StartWorkflowExecution", { token: harness.token, message: startRequest({ namespace: "another-namespace" }).message }),
      call("DescribeWorkflowExecution", {
        token: harness.token,
        message: workflowservice.DescribeWorkflowExecutionRequest.encode({ namespace: "another-namespace", execution: { workflowId: freshWorkflowId() } }).finish(),
      }),
      call("TerminateWorkflowExecution", { token: harness.token, message: startRequest().message }),
      call("StartWorkflowExecution", { token: harness.token, body: new Uint8Array([0, 0, 0, 0, 99]) }),
      ...refusedStarts.map(({ fields }) => call("StartWorkflowExecution", { token: harness.token, message: startRequest(fields()).message })),
    ];
    const answers = (await Promise.all(refused)) as Awaited<ReturnType<typeof rawCall>>[];
    for (const answer of answers) assert.notEqual(answer.grpcStatus, GrpcStatus.OK);
    assert.equal(answers[1]!.grpcStatus, GrpcStatus.PERMISSION_DENIED, "another namespace");
    assert.deepEqual(forwarded, []);

    // The recorder works: an allowed call arrives, with the upstream's answer passed back.
    const allowed = await call("StartWorkflowExecution", { token: harness.token, message: startRequest().message });
    assert.deepEqual(forwarded, [workflowServicePath("StartWorkflowExecution")]);
    assert.equal(allowed.httpStatus, 200);
    assert.equal(allowed.grpcStatus, GrpcStatus.NOT_FOUND, "the upstream's status, passed back");
    assert.equal(allowed.grpcMessage, "recorded");
    assert.equal(harness.logs.filter((line) => line.forwarded === true).length, 1);
  });

  test("a request that trickles in (slowloris) is cut off and the proxy stays up", async () => {
    const slow = await startTestProxy({ temporalAddress: `127.0.0.1:${(upstream.address() as AddressInfo).port}`, requestTimeoutMs: 500 });
    try {
      const { port } = new URL(slow.proxy.url);
      const socket = net.connect(Number(port), "127.0.0.1");
      let closed = false;
      let answer = "";
      socket.on("data", (chunk: Buffer) => { answer += chunk.toString("latin1"); });
      socket.on("close", () => { closed = true; });
      socket.on("error", () => {});
      socket.write(
        `POST ${workflowServicePath("StartWorkflowExecution")} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${slow.token}\r\n` +
          "Content-Type: application/grpc-web+proto\r\nContent-Length: 1000\r\n\r\n" + "\u0000".repeat(10),
      );
      const deadline = Date.now() + 5_000;
      while (!closed && Date.now() < deadline) await delay(50);
      assert.ok(closed, "the connection was closed within 5 s");
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.equal(slow.logs.at(-1)?.reason, "request body not received");
      assert.deepEqual(forwarded.filter((path) => path.endsWith("StartWorkflowExecution")).length, 1, "nothing more forwarded");
      assert.equal((await fetch(`${slow.proxy.url}/healthz`)).status, 200);
    } finally {
      await slow.proxy.close();
    }
  });
});
