/**
 * Hostile traffic to the gRPC-web proxy, run as its real process (workflows/src/proxy/main.ts) in
 * front of a recording HTTP/2 upstream that stands in for Temporal, so "refused" also means "never
 * forwarded". Extends workflows/test/proxy-hostile.test.ts (which covers the policy rules one by one)
 * to every WorkflowService method in @temporalio/proto, generated malformed frames, generated forged
 * starts (the edge function's request with business fields, another organization, extra memo keys or
 * search attributes, oversize values or timeouts), and floods of 10 MB bodies and slowloris
 * connections — with the proxy's memory measured throughout.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { randomBytes, randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import fc from "fast-check";
import { bootstrapWorkflowStart } from "@org-bootstrap/shared/bootstrap-input.ts";
import { encodeFrame } from "@org-bootstrap/shared/grpc-web/frame.ts";
import { GrpcStatus } from "@org-bootstrap/shared/grpc-web/status.ts";
import { SEARCH_ATTRIBUTES } from "@org-bootstrap/shared/stack-contract.ts";
import { startWorkflowExecutionRequest } from "@org-bootstrap/shared/temporal/client.ts";
import { encodeJsonPayload, encodeSearchAttributePayload } from "@org-bootstrap/shared/temporal/payload.ts";
import { temporal, workflowservice, workflowServicePath, WORKFLOW_SERVICE } from "@org-bootstrap/shared/temporal/proto.ts";
import { PROXY_STARTED_BY, STARTED_BY, bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { freePort } from "../../local/src/net.ts";
import { startNodeService } from "../../local/src/services/node-service.ts";
import type { ServiceProcess } from "../../local/src/child-process.ts";
import { rawCall } from "../../../workflows/test/support/proxy-harness.ts";
import { recordScenario } from "./support/record.ts";
import { chaosSizes } from "./support/scale.ts";

const sizes = chaosSizes();
const ALLOWED = new Set(["StartWorkflowExecution", "DescribeWorkflowExecution"]);
const NAMESPACE = "default";

let upstream: http2.Http2Server;
let forwarded: string[] = [];
let proxy: ServiceProcess;
let proxyUrl: string;
let token: string;
let dataDir: string;

before(async () => {
  upstream = http2.createServer();
  upstream.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    forwarded.push(String(headers[":path"]));
    stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "5", "grpc-message": "recorded" }, { endStream: true });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hostile-proxy-"));
  token = randomBytes(32).toString("hex");
  const port = await freePort();
  proxy = await startNodeService({
    name: "hostile-proxy",
    entry: "workflows/src/proxy/main.ts",
    dataDir,
    env: {
      TEMPORAL_ADDRESS: `127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      TEMPORAL_NAMESPACE: NAMESPACE,
      TEMPORAL_PROXY_TOKEN: token,
      TEMPORAL_PROXY_HOST: "127.0.0.1",
      TEMPORAL_PROXY_PORT: String(port),
    },
    ready: (log) => log.includes("proxy listening"),
  });
  proxyUrl = `http://127.0.0.1:${port}`;
});

after(async () => {
  await proxy?.stop();
  await new Promise((resolve) => upstream?.close(resolve));
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** The edge function's start for a new organization (the shared builders): the one shape the policy allows. */
function edgeStart(organizationId: string = randomUUID()) {
  const eventId = randomUUID();
  return startWorkflowExecutionRequest(NAMESPACE, "organization-bootstrap edge function", { ...bootstrapWorkflowStart({ organizationId, eventId }, PROXY_STARTED_BY), requestId: eventId });
}

/** A well-formed start the policy allows: proof the proxy still forwards what it should. */
function allowedStart(): Uint8Array {
  return workflowservice.StartWorkflowExecutionRequest.encode(edgeStart()).finish();
}

test("every WorkflowService method but the two allowlisted, other services and path tricks: refused, none forwarded", async () => {
  const began = Date.now();
  forwarded = [];
  const service = temporal.api.workflowservice.v1.WorkflowService as unknown as { methods: Record<string, { requestType: string }> };
  const methods = Object.keys(service.methods).filter((method) => !ALLOWED.has(method));
  assert.ok(methods.length > 100, `the proto defines ${methods.length} other methods`);
  const answers: Record<string, number> = {};
  const refused = async (label: string, path: string, message: Uint8Array) => {
    const answer = await rawCall(proxyUrl, "", { token, message, path });
    answers[`HTTP ${answer.httpStatus} grpc ${answer.grpcStatus}`] = (answers[`HTTP ${answer.httpStatus} grpc ${answer.grpcStatus}`] ?? 0) + 1;
    assert.notEqual(answer.grpcStatus, GrpcStatus.OK, label);
    assert.ok(answer.httpStatus < 500, `${label}: HTTP ${answer.httpStatus}`);
    return answer;
  };
  for (const method of methods) {
    // A real request of that method's type, for the namespace the proxy serves.
    const type = service.methods[method]!.requestType.split(".").at(-1)!;
    const codec = (workflowservice as unknown as Record<string, { encode(v: object): { finish(): Uint8Array } }>)[type];
    const message = codec ? codec.encode({ namespace: NAMESPACE }).finish() : new Uint8Array();
    const answer = await refused(method, workflowServicePath(method), message);
    assert.equal(answer.grpcStatus, GrpcStatus.UNIMPLEMENTED, method);
  }
  const start = allowedStart();
  const tricks = [
    `/temporal.api.operatorservice.v1.OperatorService/DeleteNamespace`,
    `/temporal.api.operatorservice.v1.OperatorService/AddSearchAttributes`,
    `/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo`,
    `/${WORKFLOW_SERVICE}/startWorkflowExecution`,
    `/${WORKFLOW_SERVICE}/StartWorkflowExecution/`,
    `/${WORKFLOW_SERVICE}/StartWorkflowExecution/../TerminateWorkflowExecution`,
    `/${WORKFLOW_SERVICE}//TerminateWorkflowExecution`,
    `/${WORKFLOW_SERVICE}/%54erminateWorkflowExecution`,
    `/${WORKFLOW_SERVICE.toUpperCase()}/StartWorkflowExecution`,
    `//${WORKFLOW_SERVICE}/StartWorkflowExecution`,
    `/${WORKFLOW_SERVICE}/TerminateWorkflowExecution?method=StartWorkflowExecution`,
  ];
  for (const trick of tricks) await refused(trick, trick, start);
  assert.deepEqual(forwarded, [], "nothing reached the upstream");
  recordScenario({
    group: "hostile proxy traffic", scenario: "every other method and path tricks", scale: sizes.scale,
    faults: [`${methods.length} WorkflowService methods`, `${tricks.length} path tricks`], bootstraps: 0, inputs: methods.length + tricks.length,
    answers, lost: 0, duplicated: 0, notes: ["forwarded to Temporal: 0"], durationMs: Date.now() - began,
  });
});

test("generated malformed frames (random bytes, lying lengths, wrong flags, extra frames): refused with a gRPC status, none forwarded", async () => {
  const began = Date.now();
  forwarded = [];
  const valid = encodeFrame(allowedStart());
  const frame = fc.oneof(
    fc.uint8Array({ maxLength: 512 }),
    // A valid frame whose length prefix lies, in either direction.
    fc.integer({ min: 0, max: 0xffffffff }).filter((n) => n !== valid.length - 5).map((length) => {
      const copy = valid.slice();
      new DataView(copy.buffer).setUint32(1, length);
      return copy;
    }),
    fc.integer({ min: 1, max: 255 }).map((flag) => Uint8Array.from([flag, ...valid.subarray(1)])),
    fc.nat({ max: valid.length - 1 }).map((cut) => valid.subarray(0, cut)),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((extra) => Uint8Array.from([...valid, ...extra])),
    fc.uint8Array({ maxLength: 256 }).map((payload) => encodeFrame(payload)),
  );
  const bodies = fc.sample(frame, { numRuns: sizes.scale === "full" ? 1_000 : 200, seed: Date.now() % 2 ** 31 });
  const answers: Record<string, number> = {};
  for (const body of bodies) {
    const answer = await rawCall(proxyUrl, "StartWorkflowExecution", { token, body });
    answers[`grpc ${answer.grpcStatus}`] = (answers[`grpc ${answer.grpcStatus}`] ?? 0) + 1;
    assert.ok(answer.httpStatus < 500, `HTTP ${answer.httpStatus} for ${Buffer.from(body).toString("hex").slice(0, 80)}`);
    assert.notEqual(answer.grpcStatus, GrpcStatus.OK);
  }
  assert.deepEqual(forwarded, [], "nothing reached the upstream");
  recordScenario({
    group: "hostile proxy traffic", scenario: "malformed frames", scale: sizes.scale, faults: ["random bytes", "lying length prefixes", "non-data flags", "truncated frames", "trailing bytes", "non-protobuf payloads"],
    bootstraps: 0, inputs: bodies.length, answers, lost: 0, duplicated: 0, notes: ["forwarded to Temporal: 0"], durationMs: Date.now() - began,
  });
});

test("generated forged starts (business fields, foreign organizations, extra memo and search attributes, oversize values, timeouts): refused, none forwarded", async () => {
  const began = Date.now();
  forwarded = [];
  type Start = ReturnType<typeof edgeStart>;
  const memoKeys = ["organizationId", "eventId", "startedBy"];
  const startedByOthers = STARTED_BY.filter((path) => path !== PROXY_STARTED_BY);
  // Each forgery: the edge's own request for an organization, with one thing a token holder would change.
  const forgery = fc.oneof(
    // The pre-empt and race forgery: the old input with the business fields, or any other extra field.
    fc.record({
      field: fc.string({ minLength: 1, maxLength: 20 }).filter((key) => key !== "organizationId" && key !== "eventId" && key !== "__proto__"),
      value: fc.jsonValue({ maxDepth: 2 }),
    }).map(({ field, value }) => ["input with a business field", (start: Start, organizationId: string) => {
      start.input = { payloads: [encodeJsonPayload({ organizationId, eventId: randomUUID(), [field]: value })] };
    }] as const),
    fc.uuid().filter((id) => id === id.toLowerCase()).map((foreign) => ["input for another organization", (start: Start) => {
      start.input = { payloads: [encodeJsonPayload({ organizationId: foreign, eventId: randomUUID() })] };
    }] as const),
    fc.integer({ min: 2, max: 5 }).map((n) => ["several input payloads", (start: Start, organizationId: string) => {
      start.input = { payloads: Array.from({ length: n }, () => encodeJsonPayload({ organizationId, eventId: randomUUID() })) };
    }] as const),
    fc.record({ key: fc.constantFrom(...memoKeys), value: fc.string({ maxLength: 200 }) }).map(({ key, value }) => ["memo value not the edge's", (start: Start) => {
      start.memo!.fields![key] = encodeJsonPayload(`${value}x`);
    }] as const),
    fc.constantFrom(...startedByOthers).map((path) => ["memo startedBy of another path", (start: Start) => {
      start.memo!.fields!["startedBy"] = encodeJsonPayload(path);
    }] as const),
    fc.string({ minLength: 1, maxLength: 40 }).filter((key) => !memoKeys.includes(key) && key !== "__proto__").map((key) => ["unknown memo key", (start: Start) => {
      start.memo!.fields![key] = encodeJsonPayload("x");
    }] as const),
    fc.oneof(fc.constant("Subdomain"), fc.string({ minLength: 1, maxLength: 40 }).filter((name) => !Object.hasOwn(SEARCH_ATTRIBUTES, name) && name !== "__proto__"))
      .map((name) => ["search attribute a start may not set", (start: Start) => {
        start.searchAttributes!.indexedFields![name] = encodeSearchAttributePayload("Keyword", "x");
      }] as const),
    fc.integer({ min: 101, max: 10_000 }).map((size) => ["oversize search attribute", (start: Start) => {
      start.searchAttributes!.indexedFields!["StartedBy"] = encodeSearchAttributePayload("Keyword", "e".repeat(size));
    }] as const),
    fc.integer({ min: 257, max: 10_000 }).map((size) => ["oversize summary", (start: Start) => {
      start.userMetadata = { summary: encodeJsonPayload("s".repeat(size)) };
    }] as const),
    fc.string({ maxLength: 100 }).map((text) => ["userMetadata details", (start: Start) => {
      start.userMetadata = { ...start.userMetadata, details: encodeJsonPayload(text) };
    }] as const),
    fc.record({ field: fc.constantFrom("workflowExecutionTimeout", "workflowRunTimeout", "workflowTaskTimeout"), nanos: fc.integer({ min: 1, max: 999_999_999 }) })
      .map(({ field, nanos }) => ["timeout", (start: Start) => {
        start[field] = { nanos };
      }] as const),
  );
  const forgeries = fc.sample(forgery, { numRuns: sizes.scale === "full" ? 1_000 : 200, seed: Date.now() % 2 ** 31 });
  const answers: Record<string, number> = {};
  const kinds = new Set<string>();
  for (const [kind, forge] of forgeries) {
    kinds.add(kind);
    const organizationId = randomUUID();
    const start = edgeStart(organizationId);
    forge(start, organizationId);
    const answer = await rawCall(proxyUrl, "StartWorkflowExecution", { token, message: workflowservice.StartWorkflowExecutionRequest.encode(start).finish() });
    answers[`grpc ${answer.grpcStatus}`] = (answers[`grpc ${answer.grpcStatus}`] ?? 0) + 1;
    assert.equal(answer.grpcStatus, GrpcStatus.PERMISSION_DENIED, `${kind}: ${answer.grpcMessage}`);
  }
  assert.deepEqual(forwarded, [], "nothing reached the upstream");
  // The edge function's own start still goes through.
  assert.equal((await rawCall(proxyUrl, "StartWorkflowExecution", { token, message: allowedStart() })).grpcStatus, GrpcStatus.NOT_FOUND, "the upstream's answer came back");
  assert.equal(forwarded.length, 1);
  recordScenario({
    group: "hostile proxy traffic", scenario: "forged start input", scale: sizes.scale, faults: [...kinds],
    bootstraps: 0, inputs: forgeries.length, answers, lost: 0, duplicated: 0, notes: ["forwarded to Temporal: only the edge function's own start"], durationMs: Date.now() - began,
  });
});

/** A 10 MB POST, with or without a content-length; answers with the HTTP status, or "reset" if the proxy cut the connection first. */
function tenMegabytes(chunked: boolean): Promise<string> {
  return new Promise((resolve) => {
    const size = 10 * 1024 * 1024;
    const req = http.request(`${proxyUrl}${workflowServicePath("StartWorkflowExecution")}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/grpc-web+proto",
        ...(chunked ? { "transfer-encoding": "chunked" } : { "content-length": String(size) }),
      },
    }, (res) => {
      res.resume();
      resolve(`HTTP ${res.statusCode}`);
    });
    req.on("error", () => resolve("reset"));
    const chunk = Buffer.alloc(64 * 1024, 7);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

test("10 MB bodies and slowloris connections: refused or cut, the proxy's memory stays bounded and it keeps serving", async () => {
  const began = Date.now();
  forwarded = [];
  const baseline = rssBytes(proxy.pid);
  let peak = baseline;
  const sampler = setInterval(() => { peak = Math.max(peak, rssBytes(proxy.pid)); }, 20);
  const slowCount = sizes.scale === "full" ? 300 : 100;
  try {
    // Slowloris: headers complete, body trickling forever, each on its own connection.
    const slow: net.Socket[] = [];
    let slowClosed = 0;
    let slowTimedOut = 0;
    for (let i = 0; i < slowCount; i += 1) {
      const socket = net.connect(Number(new URL(proxyUrl).port), "127.0.0.1");
      socket.on("error", () => {});
      // Read what the proxy answers (408): an unread socket never reaches its end, so never closes.
      socket.on("data", (chunk: Buffer) => { if (chunk.toString("latin1").startsWith("HTTP/1.1 408")) slowTimedOut += 1; });
      socket.on("close", () => { slowClosed += 1; });
      socket.write(`POST ${workflowServicePath("StartWorkflowExecution")} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
        "Content-Type: application/grpc-web+proto\r\nContent-Length: 100000\r\n\r\n\u0000");
      slow.push(socket);
    }
    const big = await Promise.all(Array.from({ length: 10 }, (_, i) => tenMegabytes(i % 2 === 0)));
    for (const answer of big) assert.ok(answer === "HTTP 413" || answer === "reset", `a 10 MB body is refused: ${answer}`);
    // Meanwhile, a legitimate call is forwarded and answered.
    const legit = await rawCall(proxyUrl, "StartWorkflowExecution", { token, message: allowedStart() });
    assert.equal(legit.grpcStatus, GrpcStatus.NOT_FOUND, "the upstream's answer came back");
    assert.equal(forwarded.length, 1, "only the legitimate call was forwarded");
    // The proxy's request timeout (10 s) cuts every slowloris connection.
    const deadline = Date.now() + 25_000;
    while (slowClosed < slowCount && Date.now() < deadline) await delay(100);
    const cutAfterMs = Date.now() - began;
    assert.equal(slowClosed, slowCount, "every trickling connection was cut");
    assert.equal(slowTimedOut, slowCount, "each with 408 Request Timeout");
    for (const socket of slow) socket.destroy();
    const growth = peak - baseline;
    assert.ok(growth < 64 * 1024 * 1024, `the proxy grew by ${(growth / 2 ** 20).toFixed(1)} MiB under 100 MB of bodies`);
    assert.equal((await fetch(`${proxyUrl}/healthz`)).status, 200);
    assert.equal(proxy.child.exitCode, null, "the proxy process is still running");
    recordScenario({
      group: "hostile proxy traffic", scenario: "10 MB bodies and slowloris", scale: sizes.scale,
      faults: ["10 × 10 MB bodies (5 with content-length, 5 chunked)", `${slowCount} slowloris connections`],
      bootstraps: 0, inputs: 10 + slowCount, answers: Object.fromEntries(big.map((a) => [a, big.filter((b) => b === a).length])), lost: 0, duplicated: 0,
      notes: [`every slowloris connection answered 408 and closed within ${(cutAfterMs / 1000).toFixed(1)} s of opening`, `proxy RSS ${(baseline / 2 ** 20).toFixed(0)} MiB before, peak ${(peak / 2 ** 20).toFixed(0)} MiB (+${(growth / 2 ** 20).toFixed(1)} MiB)`, "forwarded to Temporal: only the one legitimate call"],
      durationMs: Date.now() - began,
    });
  } finally {
    clearInterval(sampler);
  }
});
