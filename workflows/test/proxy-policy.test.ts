/**
 * The proxy's allowlist as a pure function: given a request, what is forwarded. The same
 * rules are exercised over the network against the real Temporal in proxy-hostile.test.ts;
 * here are the properties only visible in the bytes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { GrpcStatus } from "@org-bootstrap/shared/grpc-web/status.ts";
import { enums, workflowservice } from "@org-bootstrap/shared/temporal/proto.ts";
import { BOOTSTRAP_TASK_QUEUE, BOOTSTRAP_WORKFLOW_TYPE, bootstrapWorkflowId } from "@org-bootstrap/shared/workflow-contract.ts";
import { bootstrapPolicy, checkRequest, isBootstrapWorkflowId } from "../src/proxy/policy.ts";

const policy = bootstrapPolicy("default");
const allowedStart = {
  namespace: "default",
  workflowId: bootstrapWorkflowId("3b7c1e9e-0d7a-4f1e-9a55-1f0e4a0b2c3d"),
  workflowType: { name: BOOTSTRAP_WORKFLOW_TYPE },
  taskQueue: { name: BOOTSTRAP_TASK_QUEUE },
  requestId: "event-1",
  workflowIdReusePolicy: enums.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
};

test("given an allowed start, when checked, then the same request is forwarded", () => {
  const bytes = workflowservice.StartWorkflowExecutionRequest.encode(allowedStart).finish();
  const verdict = checkRequest("StartWorkflowExecution", bytes, policy);
  assert.ok(verdict.ok);
  assert.equal(verdict.workflowId, allowedStart.workflowId);
  assert.deepEqual(new Uint8Array(verdict.message), new Uint8Array(bytes));
});

test("given fields this proxy version does not know, when forwarded, then they are dropped", () => {
  const known = workflowservice.StartWorkflowExecutionRequest.encode(allowedStart).finish();
  // Field 1000, length-delimited, "abc": a future field Temporal might act on but these checks cannot see.
  const withUnknown = new Uint8Array([...known, 0xc2, 0x3e, 3, 0x61, 0x62, 0x63]);
  const verdict = checkRequest("StartWorkflowExecution", withUnknown, policy);
  assert.ok(verdict.ok);
  assert.deepEqual(new Uint8Array(verdict.message), new Uint8Array(known));
});

test("given a repeated task queue field, then the checks see the merged message Temporal would see", () => {
  // Protobuf merges a repeated embedded message (Go and protobufjs alike): a sticky queue in an
  // earlier copy survives a harmless later copy, and must be refused.
  const sticky = { name: BOOTSTRAP_TASK_QUEUE, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: "sneaky" };
  const first = workflowservice.StartWorkflowExecutionRequest.encode({ ...allowedStart, taskQueue: sticky }).finish();
  const second = workflowservice.StartWorkflowExecutionRequest.encode({ taskQueue: { name: BOOTSTRAP_TASK_QUEUE } }).finish();
  const verdict = checkRequest("StartWorkflowExecution", new Uint8Array([...first, ...second]), policy);
  assert.ok(!verdict.ok);
  assert.equal(verdict.code, GrpcStatus.PERMISSION_DENIED);
  assert.match(verdict.reason, /only normal task queues/);
});

test("given undecodable bytes, then INVALID_ARGUMENT; given a wrong namespace, then PERMISSION_DENIED", () => {
  const garbage = checkRequest("StartWorkflowExecution", new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), policy);
  assert.ok(!garbage.ok);
  assert.equal(garbage.code, GrpcStatus.INVALID_ARGUMENT);
  const other = checkRequest("DescribeWorkflowExecution", workflowservice.DescribeWorkflowExecutionRequest.encode({ namespace: "other", execution: { workflowId: allowedStart.workflowId } }).finish(), policy);
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
