/**
 * What the proxy lets through, decided from the decoded request before anything reaches
 * Temporal. The proxy is reachable from the internet with one shared token, so it is an
 * allowlist: two methods, one namespace, allowlisted workflow types on one task queue, and
 * only the request fields the edge function's client sets. Pure: no I/O.
 */
import { GrpcStatus, type GrpcStatusCode } from "@org-bootstrap/shared/grpc-web/status.ts";
import { enums, workflowservice } from "@org-bootstrap/shared/temporal/proto.ts";
import {
  BOOTSTRAP_TASK_QUEUE,
  PROXY_ALLOWED_WORKFLOW_TYPES,
  organizationIdFromWorkflowId,
} from "@org-bootstrap/shared/workflow-contract.ts";

export const PROXIED_METHODS = ["StartWorkflowExecution", "DescribeWorkflowExecution"] as const;
export type ProxiedMethod = (typeof PROXIED_METHODS)[number];

export function isProxiedMethod(method: string): method is ProxiedMethod {
  return (PROXIED_METHODS as readonly string[]).includes(method);
}

export interface ProxyPolicy {
  readonly namespace: string;
  readonly taskQueue: string;
  readonly workflowTypes: readonly string[];
  /** Which workflow ids may be started or described. */
  readonly isAllowedWorkflowId: (workflowId: string) => boolean;
}

/** Bootstrap workflow ids only: `org-bootstrap-<organization id>`, a short safe id. */
export function isBootstrapWorkflowId(workflowId: string): boolean {
  const organizationId = organizationIdFromWorkflowId(workflowId);
  return organizationId !== undefined && /^[A-Za-z0-9_-]{1,128}$/.test(organizationId);
}

export function bootstrapPolicy(namespace: string): ProxyPolicy {
  return {
    namespace,
    taskQueue: BOOTSTRAP_TASK_QUEUE,
    workflowTypes: PROXY_ALLOWED_WORKFLOW_TYPES,
    isAllowedWorkflowId: isBootstrapWorkflowId,
  };
}

export type Verdict =
  | { readonly ok: true; readonly workflowId: string; readonly message: Uint8Array }
  | { readonly ok: false; readonly code: GrpcStatusCode; readonly reason: string; readonly workflowId?: string };

/**
 * Fields a StartWorkflowExecution may set. Anything else (completion callbacks that make
 * Temporal call a URL, TERMINATE_EXISTING conflict policies, cron schedules, start delays,
 * versioning overrides, …) is refused rather than silently dropped, so a caller sees why.
 */
const START_FIELDS = new Set([
  "namespace", "workflowId", "workflowType", "taskQueue", "input", "workflowExecutionTimeout",
  "identity", "requestId", "workflowIdReusePolicy", "workflowIdConflictPolicy", "memo",
  "searchAttributes", "userMetadata",
]);
const DESCRIBE_FIELDS = new Set(["namespace", "execution"]);

const deny = (reason: string, workflowId?: string): Verdict => ({
  ok: false,
  code: GrpcStatus.PERMISSION_DENIED,
  reason,
  ...(workflowId ? { workflowId } : {}),
});

function extraFields(object: Record<string, unknown>, allowed: ReadonlySet<string>): string[] {
  return Object.keys(object).filter((key) => !allowed.has(key));
}

/**
 * Decodes and checks one request. On success the verdict carries the message re-encoded
 * from what was checked, rather than the caller's bytes: Temporal sees exactly the fields
 * this code looked at. Fields unknown to this proto version (which a newer Temporal might act
 * on) are dropped instead of passed through unchecked.
 */
export function checkRequest(method: ProxiedMethod, body: Uint8Array, policy: ProxyPolicy): Verdict {
  switch (method) {
    case "StartWorkflowExecution": return checkStart(body, policy);
    case "DescribeWorkflowExecution": return checkDescribe(body, policy);
    default: {
      const unreachable: never = method;
      throw new Error(`unhandled method ${String(unreachable)}`);
    }
  }
}

function decode<T>(what: string, decodeFn: () => T): T | Verdict {
  try {
    return decodeFn();
  } catch (error) {
    return { ok: false, code: GrpcStatus.INVALID_ARGUMENT, reason: `${what} is not valid protobuf: ${(error as Error).message}` };
  }
}

const isVerdict = (value: unknown): value is Verdict =>
  typeof value === "object" && value !== null && "ok" in value && (value as { ok: unknown }).ok === false;

function checkStart(body: Uint8Array, policy: ProxyPolicy): Verdict {
  const Request = workflowservice.StartWorkflowExecutionRequest;
  const request = decode("StartWorkflowExecutionRequest", () => Request.decode(body));
  if (isVerdict(request)) return request;
  const workflowId = request.workflowId;
  const extra = extraFields(Request.toObject(request), START_FIELDS);
  if (extra.length > 0) return deny(`fields not allowed through this proxy: ${extra.join(", ")}`, workflowId);
  if (request.namespace !== policy.namespace) return deny(`namespace ${JSON.stringify(request.namespace)} is not allowed`, workflowId);
  const type = request.workflowType?.name ?? "";
  if (!policy.workflowTypes.includes(type)) return deny(`workflow type ${JSON.stringify(type)} is not allowed`, workflowId);
  const queue = request.taskQueue;
  if (queue?.name !== policy.taskQueue) return deny(`task queue ${JSON.stringify(queue?.name ?? "")} is not allowed`, workflowId);
  if (queue.kind !== enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL && queue.kind !== enums.TaskQueueKind.TASK_QUEUE_KIND_UNSPECIFIED) {
    return deny("only normal task queues are allowed", workflowId);
  }
  if (queue.normalName) return deny("sticky task queue fields are not allowed", workflowId);
  if (!policy.isAllowedWorkflowId(workflowId)) return deny(`workflow id ${JSON.stringify(workflowId.slice(0, 200))} is not allowed`);
  if (!request.requestId) return deny("requestId is required (it makes retried starts idempotent)", workflowId);
  // REJECT_DUPLICATE: a closed workflow is never re-run for its id; the default would allow it.
  if (request.workflowIdReusePolicy !== enums.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE) {
    return deny("workflowIdReusePolicy must be REJECT_DUPLICATE", workflowId);
  }
  const conflict = request.workflowIdConflictPolicy;
  if (conflict !== enums.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL && conflict !== enums.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED) {
    return deny("workflowIdConflictPolicy must be FAIL", workflowId);
  }
  return { ok: true, workflowId, message: Request.encode(request).finish() };
}

function checkDescribe(body: Uint8Array, policy: ProxyPolicy): Verdict {
  const Request = workflowservice.DescribeWorkflowExecutionRequest;
  const request = decode("DescribeWorkflowExecutionRequest", () => Request.decode(body));
  if (isVerdict(request)) return request;
  const workflowId = request.execution?.workflowId ?? "";
  const extra = extraFields(Request.toObject(request), DESCRIBE_FIELDS);
  if (extra.length > 0) return deny(`fields not allowed through this proxy: ${extra.join(", ")}`, workflowId);
  if (request.namespace !== policy.namespace) return deny(`namespace ${JSON.stringify(request.namespace)} is not allowed`, workflowId);
  if (!policy.isAllowedWorkflowId(workflowId)) return deny(`workflow id ${JSON.stringify(workflowId.slice(0, 200))} is not allowed`);
  return { ok: true, workflowId, message: Request.encode(request).finish() };
}
