/**
 * One log line format for the services: real lines from the proxy (in-process, a fake Temporal
 * frontend behind it) and from the worker (the reconciler's log, the Temporal SDK's logger) parse
 * with the shared parseLogLine, have level, msg and time, and carry the request's ids, so the one
 * grep of docs/operations.md (`"workflowId":"org-bootstrap-<id>"`) finds each. The edge function's
 * line is checked the same way in supabase/functions/_shared/log.unit.test.ts (Deno).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { LogTimestamp } from "@temporalio/worker";
import { bootstrapWorkflowStart } from "@org-bootstrap/shared/bootstrap-input.ts";
import { parseLogLine, type LogRecord } from "@org-bootstrap/shared/log-line.ts";
import { createTemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { PROXY_STARTED_BY, bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { jsonLineLogger } from "../src/proxy/call-log.ts";
import { startProxy, type RunningProxy } from "../src/proxy/server.ts";
import { WorkflowEnsurer } from "../src/reconciler/ensure.ts";
import { consoleLog } from "../src/reconciler/log.ts";
import { ReconcilerMetrics } from "../src/reconciler/metrics.ts";
import { sdkLogger } from "../src/worker/sdk-log.ts";
import { answerStartWorkflow } from "./support/fake-temporal.ts";

// One request's ids, as the edge function has them (the same in log.unit.test.ts).
const organizationId = "3b7c1e9e-0d7a-4f1e-9a55-1f0e4a0b2c3d";
const eventId = "9f1c2b3a-4d5e-4f60-8a7b-1c2d3e4f5a6b";
const requestId = "4c0f8a52-1d3e-4b7a-9e6f-2a1b3c4d5e6f";
const workflowId = bootstrapWorkflowId(organizationId);
/** The grep docs/operations.md gives for following a request. */
const grep = `"workflowId":"${workflowId}"`;

/** Parses `line` and checks what every line has: a level, a message and an ISO 8601 time. */
function parsed(line: string): LogRecord {
  const record = parseLogLine(line);
  assert.ok(record, `not a log line: ${line}`);
  assert.ok(["debug", "info", "warn", "error"].includes(record.level));
  assert.ok(record.msg.length > 0);
  assert.equal(new Date(record.time).toISOString(), record.time);
  return record;
}

/** A stream that keeps what is written to it. */
function capture(): Writable & { text: () => string } {
  let text = "";
  const stream = new Writable({ write(chunk: Buffer, _encoding, done) { text += chunk.toString("utf8"); done(); } });
  return Object.assign(stream, { text: () => text });
}

let temporal: http2.Http2Server;
let proxy: RunningProxy;
const token = randomBytes(32).toString("hex");
const proxyLines: string[] = [];

before(async () => {
  // Temporal's frontend, as far as one StartWorkflowExecution goes.
  temporal = http2.createServer();
  temporal.on("stream", (stream: http2.ServerHttp2Stream) => {
    answerStartWorkflow(stream, "run-1");
  });
  await new Promise<void>((resolve) => temporal.listen(0, "127.0.0.1", resolve));
  proxy = await startProxy({
    temporalAddress: `127.0.0.1:${(temporal.address() as AddressInfo).port}`,
    namespace: "default",
    token,
    log: jsonLineLogger((line) => void proxyLines.push(line)),
  });
});

after(async () => {
  await proxy.close();
  await new Promise((resolve) => temporal.close(resolve));
});

test("the proxy: a start's line carries the edge function's request id (x-request-id), the workflow and event ids and the trigger", async () => {
  const client = createTemporalClient({ proxyUrl: proxy.url, proxyToken: token, namespace: "default" });
  const before = proxyLines.length;
  const result = await client.startWorkflow({ ...bootstrapWorkflowStart({ organizationId, eventId }, PROXY_STARTED_BY), requestId: eventId, correlationId: requestId });
  assert.equal(result.status, "started");

  const lines = proxyLines.slice(before);
  assert.equal(lines.length, 1);
  const line = parsed(lines[0]!);
  assert.deepEqual(
    { level: line.level, msg: line.msg, requestId: line.requestId, workflowId: line.workflowId, eventId: line.eventId, trigger: line.trigger, method: line.method, grpcCode: line.grpcCode },
    { level: "info", msg: "proxy call", requestId, workflowId, eventId, trigger: "organization-bootstrap", method: "StartWorkflowExecution", grpcCode: "OK" },
  );
  assert.ok(lines[0]!.includes(grep));
  assert.ok(!lines[0]!.includes(token), "never the token");
});

test("the proxy: a refused call is a warn line, and a request id that is not well-formed is left out", async () => {
  const before = proxyLines.length;
  const answer = await fetch(`${proxy.url}/temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution`, {
    method: "POST",
    headers: { "content-type": "application/grpc-web+proto", "x-request-id": "<script> with spaces" },
  });
  await answer.arrayBuffer();
  const line = parsed(proxyLines.slice(before)[0] ?? "");
  assert.equal(line.level, "warn");
  assert.equal(line.grpcCode, "UNAUTHENTICATED");
  assert.equal(line.requestId, undefined);
});

test("the worker: the reconciler's start line carries the workflow and event ids, the trigger and the path", async () => {
  const stdout = capture();
  const stderr = capture();
  const ensurer = new WorkflowEnsurer({
    starter: {
      start: () => Promise.resolve({ status: "started", runId: "run-2" }),
      describe: () => Promise.reject(new Error("not used")),
      closedHavingDoneNothing: () => Promise.resolve(false),
    },
    record: () => Promise.resolve(),
    metrics: new ReconcilerMetrics({ defaultMetrics: false }),
    log: consoleLog(stdout, stderr),
  });
  const row = {
    id: eventId, stream_id: organizationId, stream_type: "organization", event_type: "organization.bootstrap.initiated",
    event_data: { name: "Acme", subdomain: "acme", contactEmail: "ops@acme.test", admins: [{ email: "ada@acme.test" }] },
    created_at: new Date().toISOString(),
  };
  const outcome = await ensurer.ensure(row, "realtime");
  assert.equal(outcome.kind, "started");

  const lines = stdout.text().trimEnd().split("\n");
  assert.equal(lines.length, 1, stdout.text());
  const line = parsed(lines[0]!);
  assert.deepEqual(
    { level: line.level, msg: line.msg, workflowId: line.workflowId, eventId: line.eventId, trigger: line.trigger, path: line.path, runId: line.runId },
    { level: "info", msg: `started ${workflowId}`, workflowId, eventId, trigger: "organization-bootstrap", path: "realtime", runId: "run-2" },
  );
  assert.ok(lines[0]!.includes(grep));
  assert.equal(stderr.text(), "");
});

test("the worker: the Temporal SDK's lines (Runtime.install's logger) are the same lines, at the SDK's time and level", () => {
  const written: Array<{ level: string; line: string }> = [];
  const logger = sdkLogger("INFO", (level, line) => void written.push({ level, line }));
  const at = new Date("2026-12-06T06:12:01.250Z");
  const nanos = BigInt(at.getTime()) * 1_000_000n;
  logger.debug("below the level: not written", { workflowId });
  logger.info("Workflow completed", { sdkComponent: "workflow", workflowId, runId: "run-2", workflowType: "organizationBootstrap", [LogTimestamp]: nanos });
  logger.warn("Activity failed", { sdkComponent: "activity", workflowId, error: new Error("SMTP refused ada@acme.test"), [LogTimestamp]: nanos });

  assert.deepEqual(written.map((w) => w.level), ["info", "warn"]);
  const completed = parsed(written[0]!.line);
  assert.deepEqual(
    { level: completed.level, msg: completed.msg, time: completed.time, workflowId: completed.workflowId, runId: completed.runId, sdkComponent: completed.sdkComponent },
    { level: "info", msg: "Workflow completed", time: at.toISOString(), workflowId, runId: "run-2", sdkComponent: "workflow" },
  );
  assert.ok(written[0]!.line.includes(grep));
  const failed = parsed(written[1]!.line);
  assert.equal(failed.level, "warn");
  assert.equal(failed.error, "Error: SMTP refused [email]", "an error is its message, an address in it masked");
  assert.match(String(failed.stack), /^Error: SMTP refused \[email\]\n\s+at /, "and keeps its stack trace, masked the same way");
});
