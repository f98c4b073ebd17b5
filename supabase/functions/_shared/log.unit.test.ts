/**
 * The edge function's log lines, captured from the bootstrap handler run with fakes (its store and
 * token check) and the real gRPC-web client over a fake fetch: every line is the shared format
 * (parseLogLine), carries the request id (from `sb-request-id` or `x-request-id` when well-formed,
 * else a new one) with the event and workflow ids, and the same request id goes to the proxy as
 * `x-request-id`. The proxy's and the worker's lines: workflows/test/log-lines.unit.test.ts.
 */
import assert from "node:assert/strict";
import { APP_ROLE_CLAIM, PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import { parseLogLine, type LogRecord } from "@org-bootstrap/shared/log-line.ts";
import { encodeGrpcWebBody } from "@org-bootstrap/shared/grpc-web/response.ts";
import { GrpcStatus } from "@org-bootstrap/shared/grpc-web/status.ts";
import { createTemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import { workflowservice } from "@org-bootstrap/shared/temporal/proto.ts";
import { loadConfig } from "../organization-bootstrap/config.ts";
import { createBootstrapHandler } from "../organization-bootstrap/handler.ts";
import { jsonLineLog } from "./log.ts";

// The request's ids (the same in workflows/test/log-lines.unit.test.ts).
const eventId = "9f1c2b3a-4d5e-4f60-8a7b-1c2d3e4f5a6b";
const requestId = "4c0f8a52-1d3e-4b7a-9e6f-2a1b3c4d5e6f";
const token = "header.payload.signature";
const proxyToken = "p".repeat(32);
const form = { name: "Acme Secret Name", subdomain: "acme-log-test", contactEmail: "ops@acme.test", admins: [{ email: "ada@acme.test" }] };

/** Temporal's answer when the run already exists (the reconciler, or an earlier request, was first). */
const alreadyExists = () => encodeGrpcWebBody([], { code: GrpcStatus.ALREADY_EXISTS, message: "Workflow execution is already running. WorkflowId: x, RunId: run-0." });

async function run(headers: Record<string, string>, answerWith?: () => Uint8Array) {
  const lines: string[] = [];
  const proxyHeaders: Headers[] = [];
  const answer = answerWith?.() ?? encodeGrpcWebBody([workflowservice.StartWorkflowExecutionResponse.encode({ runId: "run-1" }).finish()], { code: GrpcStatus.OK, message: "" });
  const temporal = createTemporalClient({
    proxyUrl: "http://proxy.test",
    proxyToken,
    namespace: "default",
    fetch: (_url, init) => {
      proxyHeaders.push(new Headers(init.headers));
      return Promise.resolve(new Response(answer.slice().buffer as ArrayBuffer, { status: 200, headers: { "content-type": "application/grpc-web+proto" } }));
    },
  });
  const handle = createBootstrapHandler({
    config: loadConfig({ SUPABASE_URL: "http://127.0.0.1:9", SUPABASE_SERVICE_ROLE_KEY: "service-role-key-for-tests", TEMPORAL_PROXY_URL: "http://proxy.test", TEMPORAL_PROXY_TOKEN: proxyToken }),
    verifyToken: () => Promise.resolve({ role: "authenticated", sub: crypto.randomUUID(), [APP_ROLE_CLAIM]: PLATFORM_ADMIN_ROLE, email: "admin@acme.test" }),
    store: {
      emitInitiated: () => Promise.resolve({ ok: true, eventId }),
      findInitiated: () => Promise.resolve(undefined),
      findOrganizationIdBySubdomain: () => Promise.resolve(undefined),
      emitWorkflowStarted: () => Promise.resolve(crypto.randomUUID()),
    },
    temporal,
    statusReader: { read: () => Promise.resolve(undefined) },
    log: jsonLineLog((_level, line) => void lines.push(line)),
  });
  const response = await handle(new Request("http://localhost/organization-bootstrap", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(form),
  }));
  const body = await response.json() as { workflowId: string; status: string };
  await new Promise((resolve) => setTimeout(resolve, 0)); // the workflow_started write, after the answer
  return { lines, proxyHeaders, response, body };
}

function parsed(line: string): LogRecord {
  const record = parseLogLine(line);
  assert.ok(record, `not a log line: ${line}`);
  assert.equal(new Date(record.time).toISOString(), record.time);
  return record;
}

Deno.test("log: the function's lines are the shared format with the request, event and workflow ids; the request id goes to the proxy", async () => {
  const { lines, proxyHeaders, response, body } = await run({ "sb-request-id": requestId, "x-request-id": "ignored-when-sb-request-id-is-there" });
  assert.equal(body.status, "started");
  assert.equal(response.headers.get("x-request-id"), requestId);

  const records = lines.map(parsed);
  assert.deepEqual(records.map((r) => [r.level, r.msg]), [["info", "bootstrap recorded"], ["info", "bootstrap started"]]);
  for (const record of records) {
    assert.deepEqual(
      { requestId: record.requestId, eventId: record.eventId, workflowId: record.workflowId, trigger: record.trigger },
      { requestId, eventId, workflowId: body.workflowId, trigger: "organization-bootstrap" },
    );
  }
  // `path` names who started the workflow: on the start's line only.
  assert.deepEqual(records.map((r) => r.path), [undefined, "edge"]);
  // The grep docs/operations.md gives finds them; nothing secret or from the form is in them.
  for (const line of lines) assert.ok(line.includes(`"workflowId":"${body.workflowId}"`));
  for (const secret of [token, proxyToken, "Acme Secret Name", "ops@acme.test", "ada@acme.test", "admin@acme.test"]) {
    assert.ok(!lines.join("\n").includes(secret), `${secret} was logged`);
  }

  assert.equal(proxyHeaders.length, 1);
  assert.equal(proxyHeaders[0]!.get("x-request-id"), requestId, "the proxy logs the same request id");
});

Deno.test("log: the caller's x-request-id is used when well-formed, else a new id; the proxy gets the one logged", async () => {
  const given = await run({ "x-request-id": "req_from.the-caller" });
  assert.equal(parsed(given.lines[0]!).requestId, "req_from.the-caller");
  assert.equal(given.proxyHeaders[0]!.get("x-request-id"), "req_from.the-caller");

  for (const bad of ["has spaces", "x".repeat(101), "\"quoted\""]) {
    const replaced = await run({ "x-request-id": bad });
    const logged = parsed(replaced.lines[0]!).requestId;
    assert.match(String(logged), /^[0-9a-f-]{36}$/, bad);
    assert.equal(replaced.response.headers.get("x-request-id"), logged);
    assert.equal(replaced.proxyHeaders[0]!.get("x-request-id"), logged);
  }
});

Deno.test("log: when the run already existed (the reconciler was first), the answer is still started, but the line names no path", async () => {
  const { lines, body } = await run({ "x-request-id": requestId }, alreadyExists);
  assert.equal(body.status, "started");
  const startLine = lines.map(parsed).find((record) => record.msg === "bootstrap started");
  assert.ok(startLine, lines.join("\n"));
  assert.equal(startLine.path, undefined, "the edge did not start this run");
  assert.equal(startLine.alreadyStarted, true);
});
