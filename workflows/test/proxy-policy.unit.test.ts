/**
 * The proxy's allowlist as a pure function: given a request, what is forwarded. The same
 * rules are exercised over the network against the real Temporal in proxy-hostile.test.ts;
 * here are the properties only visible in the bytes, and every forged start a holder of the
 * proxy token could send in place of the edge function's.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { temporal } from "@temporalio/proto";
import { z } from "zod";
import { bootstrapWorkflowStart } from "@org-bootstrap/shared/bootstrap-input.ts";
import { GrpcStatus } from "@org-bootstrap/shared/grpc-web/status.ts";
import { startWorkflowExecutionRequest } from "@org-bootstrap/shared/temporal/client.ts";
import { encodeJsonPayload, encodeSearchAttributePayload } from "@org-bootstrap/shared/temporal/payload.ts";
import { enums, workflowservice } from "@org-bootstrap/shared/temporal/proto.ts";
import {
  organizationBootstrapTrigger,
  organizationDeactivateTrigger,
  workflowStart,
  type WorkflowStart,
  type WorkflowTrigger,
} from "@org-bootstrap/shared/triggers/index.ts";
import { BOOTSTRAP_TASK_QUEUE, PROXY_STARTED_BY, bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { START_LIMITS, checkRequest, isBootstrapWorkflowId, triggerPolicy } from "../src/proxy/policy.ts";

type StartRequest = temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
type Payload = temporal.api.common.v1.Payload.$Properties;

const policy = triggerPolicy("default");
const Request = workflowservice.StartWorkflowExecutionRequest;
const organizationId = "3b7c1e9e-0d7a-4f1e-9a55-1f0e4a0b2c3d";
const eventId = "9f1c2b3a-4d5e-4f60-8a7b-1c2d3e4f5a6b";
const foreignOrganizationId = "0c6f9a3e-5b1d-4e2a-8f7c-6d5e4c3b2a19";
const utf8 = (text: string) => new TextEncoder().encode(text);

/** The edge function's start, exactly as it builds and encodes it (handler.ts, app.ts's client identity). */
function edgeRequest(identity = { organizationId, eventId }): StartRequest {
  return startWorkflowExecutionRequest("default", "organization-bootstrap edge function", {
    ...bootstrapWorkflowStart(identity, PROXY_STARTED_BY),
    requestId: identity.eventId,
  });
}

const encode = (request: StartRequest): Uint8Array => Request.encode(request).finish();
const check = (bytes: Uint8Array) => checkRequest("StartWorkflowExecution", bytes, policy);

/** A payload with JSON data written by hand: for bytes the shared encoder would never write. */
const rawJsonPayload = (data: string | Uint8Array, metadata: Record<string, string> = { encoding: "json/plain" }): Payload => ({
  metadata: Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, utf8(value)])),
  data: typeof data === "string" ? utf8(data) : data,
});

const keyword = (value: string) => encodeSearchAttributePayload("Keyword", value);

test("given the edge function's real start, when checked, then it is forwarded byte for byte", () => {
  const bytes = encode(edgeRequest());
  const verdict = check(bytes);
  assert.ok(verdict.ok, verdict.ok ? "" : verdict.reason);
  assert.equal(verdict.workflowId, bootstrapWorkflowId(organizationId));
  assert.deepEqual(new Uint8Array(verdict.message), new Uint8Array(bytes));
});

test("given the edge's start without a summary, then it is allowed too (the summary is only a label)", () => {
  const request = edgeRequest();
  request.userMetadata = null;
  assert.ok(check(encode(request)).ok);
});

test("given fields this proxy version does not know, when forwarded, then they are dropped", () => {
  const known = encode(edgeRequest());
  // Field 1000, length-delimited, "abc": a future field Temporal might act on but these checks cannot see.
  const withUnknown = new Uint8Array([...known, 0xc2, 0x3e, 3, 0x61, 0x62, 0x63]);
  const verdict = check(withUnknown);
  assert.ok(verdict.ok);
  assert.deepEqual(new Uint8Array(verdict.message), new Uint8Array(known));
});

test("given JSON that means the same to JSON.parse but is spelled otherwise, then what is forwarded is written anew from the checked values", () => {
  // A duplicate key (the last wins in JSON.parse; another parser might keep the first), padding.
  const request = edgeRequest();
  request.input = { payloads: [rawJsonPayload(`{"organizationId":"${foreignOrganizationId}","organizationId":"${organizationId}", "eventId":"${eventId}"}`)] };
  request.memo!.fields!["startedBy"] = rawJsonPayload(' "edge" ');
  const verdict = check(encode(request));
  assert.ok(verdict.ok, verdict.ok ? "" : verdict.reason);
  assert.deepEqual(new Uint8Array(verdict.message), new Uint8Array(encode(edgeRequest())));
});

test("given a repeated task queue field, then the checks see the merged message Temporal would see", () => {
  // Protobuf merges a repeated embedded message (Go and protobufjs alike): a sticky queue in an
  // earlier copy survives a harmless later copy, and must be refused.
  const sticky = edgeRequest();
  sticky.taskQueue = { name: BOOTSTRAP_TASK_QUEUE, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: "sneaky" };
  const second = Request.encode({ taskQueue: { name: BOOTSTRAP_TASK_QUEUE } }).finish();
  const verdict = check(new Uint8Array([...encode(sticky), ...second]));
  assert.ok(!verdict.ok);
  assert.equal(verdict.code, GrpcStatus.PERMISSION_DENIED);
  assert.match(verdict.reason, /only normal task queues/);
});

test("given a repeated memo, then the maps merge as Temporal would merge them, and an extra key in either copy is refused", () => {
  const first = Request.encode({ memo: { fields: { subdomain: encodeJsonPayload("evil") } } }).finish();
  const verdict = check(new Uint8Array([...first, ...encode(edgeRequest())]));
  assert.ok(!verdict.ok);
  assert.match(verdict.reason, /memo key "subdomain" is not allowed/);
});

test("given undecodable bytes, then INVALID_ARGUMENT; given a wrong namespace, then PERMISSION_DENIED", () => {
  const garbage = check(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
  assert.ok(!garbage.ok);
  assert.equal(garbage.code, GrpcStatus.INVALID_ARGUMENT);
  const other = checkRequest("DescribeWorkflowExecution", workflowservice.DescribeWorkflowExecutionRequest.encode({ namespace: "other", execution: { workflowId: bootstrapWorkflowId(organizationId) } }).finish(), policy);
  assert.ok(!other.ok);
  assert.equal(other.code, GrpcStatus.PERMISSION_DENIED);
  assert.match(other.reason, /namespace "other" is not allowed/);
});

test("bootstrap workflow ids are the prefix plus a short id of safe characters", () => {
  assert.ok(isBootstrapWorkflowId("org-bootstrap-3b7c1e9e-0d7a-4f1e-9a55-1f0e4a0b2c3d"));
  for (const id of ["org-bootstrap-", "bootstrap-1", "org-bootstrap-a b", "org-bootstrap-../x", `org-bootstrap-${"a".repeat(129)}`]) {
    assert.ok(!isBootstrapWorkflowId(id), id);
  }
});

/**
 * Forged starts: the edge function's real request with one thing changed. Each must be refused
 * with the reason given, whatever else it gets right.
 */
const forged: Array<{ name: string; forge: (request: StartRequest) => void; reason: RegExp; code?: number }> = [
  // The input: identity only.
  {
    name: "the old input shape, carrying the business fields",
    forge: (r) => { r.input = { payloads: [encodeJsonPayload({ eventId, organizationId, payload: { name: "Evil", subdomain: "evil", admins: [{ email: "attacker@example.com" }] } })] }; },
    reason: /input must be the identity \{organizationId, eventId\} only .*Unrecognized key: "payload"/,
  },
  { name: "a second payload", forge: (r) => { r.input!.payloads!.push(encodeJsonPayload({ subdomain: "evil" })); }, reason: /input must be exactly one payload.*got 2/ },
  { name: "no input", forge: (r) => { r.input = null; }, reason: /input must be exactly one payload.*got 0/ },
  { name: "an input for another organization", forge: (r) => { r.input = { payloads: [encodeJsonPayload({ organizationId: foreignOrganizationId, eventId })] }; }, reason: /input organizationId must be the workflow id's organization id/ },
  { name: "an input with the organization id in upper case", forge: (r) => { r.input = { payloads: [encodeJsonPayload({ organizationId: organizationId.toUpperCase(), eventId })] }; }, reason: /input organizationId must be the workflow id's organization id/ },
  { name: "an input without the event id", forge: (r) => { r.input = { payloads: [encodeJsonPayload({ organizationId })] }; }, reason: /input eventId is required/ },
  { name: "an input whose event id is not a UUID", forge: (r) => { r.input = { payloads: [encodeJsonPayload({ organizationId, eventId: "1; drop table" })] }; }, reason: /input must be the identity .*eventId: Invalid UUID/ },
  { name: "an input that is not an object", forge: (r) => { r.input = { payloads: [encodeJsonPayload([organizationId, eventId])] }; }, reason: /input must be the identity/ },
  { name: "an input over the size bound", forge: (r) => { r.input = { payloads: [rawJsonPayload(`{"organizationId":"${organizationId}",${" ".repeat(START_LIMITS.inputBytes)}"eventId":"${eventId}"}`)] }; }, reason: /input is \d+ bytes, over the 1024-byte limit/ },
  { name: "an input in another encoding", forge: (r) => { r.input = { payloads: [rawJsonPayload(`{"organizationId":"${organizationId}","eventId":"${eventId}"}`, { encoding: "binary/plain" })] }; }, reason: /input must have metadata encoding "json\/plain"/ },
  { name: "an input with extra payload metadata", forge: (r) => { r.input!.payloads![0]!.metadata!["encryption-key-id"] = utf8("x"); }, reason: /input: metadata not allowed through this proxy: "encryption-key-id"/ },
  { name: "an input stored elsewhere (external payloads)", forge: (r) => { r.input!.payloads![0]!.externalPayloads = [{ sizeBytes: 10 as never }]; }, reason: /input: fields not allowed through this proxy: externalPayloads/ },
  { name: "an input that is not JSON", forge: (r) => { r.input = { payloads: [rawJsonPayload("{organizationId}")] }; }, reason: /input is not valid UTF-8 JSON/, code: GrpcStatus.INVALID_ARGUMENT },
  { name: "an input that is not UTF-8", forge: (r) => { r.input = { payloads: [rawJsonPayload(new Uint8Array([0x22, 0xff, 0x22]))] }; }, reason: /input is not valid UTF-8 JSON/, code: GrpcStatus.INVALID_ARGUMENT },
  {
    name: "an upper-case workflow id (a second workflow for the same organization)",
    forge: (r) => { r.workflowId = bootstrapWorkflowId(organizationId.toUpperCase()); r.input = { payloads: [encodeJsonPayload({ organizationId: organizationId.toUpperCase(), eventId })] }; },
    reason: /workflow id must be org-bootstrap-<organization id as a lower-case UUID>/,
  },
  { name: "a workflow id that is not a UUID", forge: (r) => { r.workflowId = bootstrapWorkflowId("acme"); }, reason: /lower-case UUID/ },

  // The memo: organizationId, eventId, startedBy, as the edge writes them.
  { name: "a memo for another organization", forge: (r) => { r.memo!.fields!["organizationId"] = encodeJsonPayload(foreignOrganizationId); }, reason: new RegExp(`memo organizationId must be "${organizationId}"`) },
  { name: "a memo with an unknown key", forge: (r) => { r.memo!.fields!["subdomain"] = encodeJsonPayload("evil"); }, reason: /memo key "subdomain" is not allowed through this proxy \(only organizationId, eventId, startedBy\)/ },
  { name: "a memo startedBy other than the edge", forge: (r) => { r.memo!.fields!["startedBy"] = encodeJsonPayload("sweep"); }, reason: /memo startedBy must be "edge"/ },
  { name: "a memo with another event id", forge: (r) => { r.memo!.fields!["eventId"] = encodeJsonPayload(foreignOrganizationId); }, reason: new RegExp(`memo eventId must be "${eventId}"`) },
  { name: "no memo", forge: (r) => { r.memo = null; }, reason: /memo must hold organizationId, eventId, startedBy/ },
  { name: "a memo without startedBy", forge: (r) => { delete r.memo!.fields!["startedBy"]; }, reason: /memo must hold startedBy/ },
  { name: "an oversize memo value", forge: (r) => { r.memo!.fields!["startedBy"] = encodeJsonPayload("e".repeat(START_LIMITS.memoValueBytes)); }, reason: /memo startedBy is 102 bytes, over the 100-byte limit/ },
  { name: "a memo value that is not a string", forge: (r) => { r.memo!.fields!["startedBy"] = encodeJsonPayload({ edge: true }); }, reason: /memo startedBy must be a JSON string/ },

  // Search attributes: OrganizationId and StartedBy, Keywords, as the edge writes them.
  { name: "an unregistered search attribute", forge: (r) => { r.searchAttributes!.indexedFields!["CustomerTier"] = keyword("gold"); }, reason: /search attribute "CustomerTier" is not registered/ },
  { name: "the Subdomain search attribute (the workflow sets it)", forge: (r) => { r.searchAttributes!.indexedFields!["Subdomain"] = keyword("evil"); }, reason: /search attribute Subdomain is not set by a start/ },
  { name: "an OrganizationId search attribute for another organization", forge: (r) => { r.searchAttributes!.indexedFields!["OrganizationId"] = keyword(foreignOrganizationId); }, reason: new RegExp(`search attribute OrganizationId must be "${organizationId}"`) },
  { name: "a StartedBy search attribute other than the edge", forge: (r) => { r.searchAttributes!.indexedFields!["StartedBy"] = keyword("sweep"); }, reason: /search attribute StartedBy must be "edge"/ },
  { name: "a search attribute without its type", forge: (r) => { r.searchAttributes!.indexedFields!["StartedBy"] = encodeJsonPayload("edge"); }, reason: /search attribute StartedBy must have metadata type "Keyword"/ },
  { name: "a search attribute of another type", forge: (r) => { r.searchAttributes!.indexedFields!["StartedBy"] = encodeSearchAttributePayload("Text", "edge"); }, reason: /search attribute StartedBy must have metadata type "Keyword"/ },
  { name: "an oversize search attribute value", forge: (r) => { r.searchAttributes!.indexedFields!["StartedBy"] = keyword("e".repeat(200)); }, reason: /search attribute StartedBy is 202 bytes, over the 100-byte limit/ },
  { name: "search attributes without StartedBy", forge: (r) => { delete r.searchAttributes!.indexedFields!["StartedBy"]; }, reason: /search attributes must include StartedBy/ },

  // User metadata: a short printable summary, nothing else.
  { name: "userMetadata.details", forge: (r) => { r.userMetadata!.details = encodeJsonPayload("# Looks official\n[click](https://evil.example)"); }, reason: /userMetadata: fields not allowed through this proxy: details/ },
  { name: "an oversize summary", forge: (r) => { r.userMetadata!.summary = encodeJsonPayload("s".repeat(START_LIMITS.summaryBytes)); }, reason: /userMetadata summary is 258 bytes, over the 256-byte limit/ },
  { name: "a summary with a bidi override", forge: (r) => { r.userMetadata!.summary = encodeJsonPayload("Bootstrap organization \u202eelppa"); }, reason: /userMetadata summary must be one line of printable text/ },
  { name: "a summary that is not a string", forge: (r) => { r.userMetadata!.summary = encodeJsonPayload(42); }, reason: /userMetadata summary must be a JSON string/ },

  // Timeouts: a forged start could time the organization's only run out.
  { name: "a workflowExecutionTimeout", forge: (r) => { r.workflowExecutionTimeout = { seconds: 1 as never }; }, reason: /fields not allowed through this proxy: workflowExecutionTimeout/ },
  { name: "a zero workflowExecutionTimeout (any is refused)", forge: (r) => { r.workflowExecutionTimeout = { seconds: 0 as never, nanos: 0 }; }, reason: /fields not allowed through this proxy: workflowExecutionTimeout/ },
  { name: "a workflowRunTimeout", forge: (r) => { r.workflowRunTimeout = { nanos: 1_000_000 }; }, reason: /fields not allowed through this proxy: workflowRunTimeout/ },
  { name: "a workflowTaskTimeout", forge: (r) => { r.workflowTaskTimeout = { seconds: 1 as never }; }, reason: /fields not allowed through this proxy: workflowTaskTimeout/ },

  // The caller's free-text fields.
  { name: "an oversize identity", forge: (r) => { r.identity = "i".repeat(START_LIMITS.identityBytes + 1); }, reason: /identity is over the 256-byte limit/ },
  { name: "an identity with a line break", forge: (r) => { r.identity = "edge\nstarted by the platform team"; }, reason: /identity must be one line of printable text/ },
  { name: "an oversize requestId", forge: (r) => { r.requestId = "r".repeat(START_LIMITS.requestIdBytes + 1); }, reason: /requestId is over the 256-byte limit/ },
];

for (const { name, forge, reason, code } of forged) {
  test(`given the edge's start with ${name}, then it is refused`, () => {
    const request = edgeRequest();
    forge(request);
    const verdict = check(encode(request));
    assert.ok(!verdict.ok, "refused");
    assert.equal(verdict.code, code ?? GrpcStatus.PERMISSION_DENIED, verdict.reason);
    assert.match(verdict.reason, reason);
  });
}

/**
 * What is let through comes from the trigger declarations: every declared trigger's start, each only
 * with its own workflow type, task queue and id shape; nothing undeclared.
 */
const deactivateEventId = "5d2e8f1a-7c3b-4e9d-8a6f-2b1c0d9e8f7a";

/** A start built by the one builder, encoded as the edge function's client encodes it. */
function startRequest(start: WorkflowStart, requestId: string): StartRequest {
  return startWorkflowExecutionRequest("default", "organization-deactivate edge function", { ...start, requestId });
}

const deactivateStart = () => workflowStart(organizationDeactivateTrigger, { streamId: organizationId, eventId: deactivateEventId }, PROXY_STARTED_BY);

test("given the edge function's deactivation start, when checked, then it is forwarded byte for byte", () => {
  const bytes = encode(startRequest(deactivateStart(), deactivateEventId));
  const verdict = check(bytes);
  assert.ok(verdict.ok, verdict.ok ? "" : verdict.reason);
  assert.equal(verdict.workflowId, `org-deactivate-${organizationId}`);
  assert.deepEqual(new Uint8Array(verdict.message), new Uint8Array(bytes));
});

test("given a deactivation's workflow id, when described, then it is allowed like a bootstrap's", () => {
  const describe = (workflowId: string) =>
    checkRequest("DescribeWorkflowExecution", workflowservice.DescribeWorkflowExecutionRequest.encode({ namespace: "default", execution: { workflowId } }).finish(), policy);
  assert.ok(describe(`org-deactivate-${organizationId}`).ok);
  assert.ok(describe(bootstrapWorkflowId(organizationId)).ok);
  const undeclared = describe(`org-suspend-${organizationId}`);
  assert.ok(!undeclared.ok);
  assert.match(undeclared.reason, /workflow id "org-suspend-.*" is not allowed/);
});

const refusedByTrigger: Array<{ name: string; request: () => StartRequest; reason: RegExp }> = [
  {
    name: "a workflow type no trigger declares",
    request: () => startRequest({ ...deactivateStart(), workflowType: "organizationSuspendWorkflow" }, deactivateEventId),
    reason: /workflow type "organizationSuspendWorkflow" is not allowed/,
  },
  {
    name: "the deactivation's type on a task queue other than its trigger's",
    request: () => startRequest(workflowStart(organizationDeactivateTrigger, { streamId: organizationId, eventId: deactivateEventId }, PROXY_STARTED_BY, "organization-deactivate"), deactivateEventId),
    reason: /task queue "organization-deactivate" is not allowed/,
  },
  {
    name: "a bootstrap's workflow id with the deactivation's type (another trigger's id shape)",
    request: () => startRequest({ ...deactivateStart(), workflowId: bootstrapWorkflowId(organizationId) }, deactivateEventId),
    reason: /workflow id "org-bootstrap-.*" is not allowed: a started workflow id must be org-deactivate-<organization id as a lower-case UUID>/,
  },
  {
    name: "a bootstrap's whole start with the deactivation's type",
    request: () => startRequest({ ...workflowStart(organizationBootstrapTrigger, { streamId: organizationId, eventId }, PROXY_STARTED_BY), workflowType: organizationDeactivateTrigger.workflowType }, eventId),
    reason: /a started workflow id must be org-deactivate-/,
  },
];

for (const { name, request, reason } of refusedByTrigger) {
  test(`given ${name}, then it is refused`, () => {
    const verdict = check(encode(request()));
    assert.ok(!verdict.ok, "refused");
    assert.equal(verdict.code, GrpcStatus.PERMISSION_DENIED, verdict.reason);
    assert.match(verdict.reason, reason);
  });
}

/** A trigger only this test declares: its own subject key, no subject search attribute. */
const testPingTrigger: WorkflowTrigger = {
  name: "test-ping",
  streamType: "test",
  eventType: "test.ping.requested",
  startedEventType: "test.ping.workflow_started",
  eventData: z.object({}),
  workflowType: "testPingWorkflow",
  taskQueue: "test-queue",
  workflowIdPrefix: "test-ping-",
  oneWorkflowPer: "stream",
  subjectKey: "pingId",
  summary: (pingId) => `Ping ${pingId}`,
};

test("given a policy built with a test-only trigger, then it accepts that trigger's start, and the default policy refuses it", () => {
  const start = workflowStart(testPingTrigger, { streamId: foreignOrganizationId, eventId }, PROXY_STARTED_BY);
  assert.deepEqual(start.searchAttributes, { StartedBy: "edge" });
  const bytes = encode(startRequest(start, eventId));
  const withPing = triggerPolicy("default", [testPingTrigger]);
  const verdict = checkRequest("StartWorkflowExecution", bytes, withPing);
  assert.ok(verdict.ok, verdict.ok ? "" : verdict.reason);
  assert.equal(verdict.workflowId, `test-ping-${foreignOrganizationId}`);
  assert.deepEqual(new Uint8Array(verdict.message), new Uint8Array(bytes));

  const refused = check(bytes);
  assert.ok(!refused.ok);
  assert.match(refused.reason, /workflow type "testPingWorkflow" is not allowed/);
  // Nor does the test-only policy let the product's starts through.
  const bootstrap = checkRequest("StartWorkflowExecution", encode(edgeRequest()), withPing);
  assert.ok(!bootstrap.ok);
  assert.match(bootstrap.reason, /workflow type "organizationBootstrapWorkflow" is not allowed/);
});

test("given the test-only trigger's start with the wrong subject, memo key or search attribute, then the refusals name its own keys", () => {
  const withPing = triggerPolicy("default", [testPingTrigger]);
  const request = () => startRequest(workflowStart(testPingTrigger, { streamId: foreignOrganizationId, eventId }, PROXY_STARTED_BY), eventId);
  const refuse = (forge: (r: StartRequest) => void) => {
    const forged = request();
    forge(forged);
    const verdict = checkRequest("StartWorkflowExecution", encode(forged), withPing);
    assert.ok(!verdict.ok, "refused");
    return verdict.reason;
  };
  assert.match(refuse((r) => { r.input = { payloads: [encodeJsonPayload({ pingId: organizationId, eventId })] }; }), /input pingId must be the workflow id's ping id/);
  assert.match(refuse((r) => { r.input = { payloads: [encodeJsonPayload({ organizationId: foreignOrganizationId, eventId })] }; }), /input must be the identity \{pingId, eventId\} only/);
  assert.match(refuse((r) => { r.memo!.fields!["organizationId"] = encodeJsonPayload(foreignOrganizationId); }), /memo key "organizationId" is not allowed through this proxy \(only pingId, eventId, startedBy\)/);
  assert.match(refuse((r) => { r.searchAttributes!.indexedFields!["OrganizationId"] = keyword(foreignOrganizationId); }), /search attribute OrganizationId is not set by a start/);
  assert.match(refuse((r) => { r.workflowId = `test-ping-${foreignOrganizationId.toUpperCase()}`; }), /a started workflow id must be test-ping-<ping id as a lower-case UUID>/);
});

test("given an input whose event id is an upper-case UUID, then it is refused (the builder writes ids lower-case)", () => {
  const request = edgeRequest();
  request.input = { payloads: [encodeJsonPayload({ organizationId, eventId: eventId.toUpperCase() })] };
  const verdict = check(encode(request));
  assert.ok(!verdict.ok);
  assert.match(verdict.reason, /input must be the identity \{organizationId, eventId\} as the shared builder writes it/);
});

test("given triggers whose own starts the proxy would refuse, then the policy is not built", () => {
  assert.throws(() => triggerPolicy("default", [{ ...testPingTrigger, summary: (pingId) => `Ping\n${pingId}` }]), /test-ping: its summary is not one printable line/);
  assert.throws(() => triggerPolicy("default", [testPingTrigger, { ...testPingTrigger, name: "test-ping-2" }]), /workflow triggers conflict/);
});
