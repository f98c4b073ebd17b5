/**
 * What the proxy lets through, decided from the decoded request before anything reaches
 * Temporal. The proxy is reachable from the internet with one shared token, so it is an
 * allowlist: two methods, one namespace, allowlisted workflow types on one task queue, and
 * only the request fields the edge function's client sets. A start may carry nothing but the
 * identity the edge function sends (which organization, the event id as a hint): never a
 * business field, since the workflow takes those from the recorded event. Pure: no I/O.
 */
import {
  bootstrapStartMetadata,
  bootstrapWorkflowInputSchema,
  type BootstrapStartMetadata,
} from "@org-bootstrap/shared/bootstrap-input.ts";
import { GrpcStatus, type GrpcStatusCode } from "@org-bootstrap/shared/grpc-web/status.ts";
import { SEARCH_ATTRIBUTES, type SearchAttributeName } from "@org-bootstrap/shared/stack-contract.ts";
import { JSON_ENCODING, encodeJsonPayload, encodeSearchAttributePayload } from "@org-bootstrap/shared/temporal/payload.ts";
import { enums, temporal, workflowservice } from "@org-bootstrap/shared/temporal/proto.ts";
import type { temporal as protos } from "@temporalio/proto";
import {
  BOOTSTRAP_TASK_QUEUE,
  PROXY_ALLOWED_WORKFLOW_TYPES,
  PROXY_STARTED_BY,
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

/**
 * Size bounds on what a start carries, in bytes of a payload's `data` (UTF-8 JSON) or of a string.
 * The edge function's real values are far below each (its input is ~90 bytes, a memo or search
 * attribute value at most 38, its summary ~60): the bounds only cap what a token holder can make
 * Temporal store, index and show.
 */
export const START_LIMITS = {
  /** The one input payload: `{"organizationId":"<uuid>","eventId":"<uuid>"}` is 89 bytes. */
  inputBytes: 1024,
  /** Each memo value (a JSON string); with three keys at most, the memo's values total at most 300 bytes. */
  memoValueBytes: 100,
  /** Each search attribute value (a JSON string). */
  searchAttributeValueBytes: 100,
  /** `userMetadata.summary`, the run's title in the Web UI (a JSON string). */
  summaryBytes: 256,
  /** `identity`, shown in the workflow's history. */
  identityBytes: 256,
  /** `requestId`: the edge function sends the event id (a UUID). */
  requestIdBytes: 256,
} as const;

export type Verdict =
  | { readonly ok: true; readonly workflowId: string; readonly message: Uint8Array }
  | Refusal;

export interface Refusal { readonly ok: false; readonly code: GrpcStatusCode; readonly reason: string; readonly workflowId?: string }

/**
 * Fields a StartWorkflowExecution may set. Anything else (completion callbacks that make
 * Temporal call a URL, TERMINATE_EXISTING conflict policies, cron schedules, start delays,
 * versioning overrides, execution/run/task timeouts, …) is refused rather than silently
 * dropped, so a caller sees why. Timeouts in particular: a forged start with the legitimate
 * workflow id and a 1 ms execution timeout would time the organization's only run out.
 */
const START_FIELDS = new Set([
  "namespace", "workflowId", "workflowType", "taskQueue", "input",
  "identity", "requestId", "workflowIdReusePolicy", "workflowIdConflictPolicy", "memo",
  "searchAttributes", "userMetadata",
]);
const DESCRIBE_FIELDS = new Set(["namespace", "execution"]);
const PAYLOAD_FIELDS = new Set(["metadata", "data"]);
const USER_METADATA_FIELDS = new Set(["summary"]);

/**
 * What the shared builder (bootstrapStartMetadata, the edge function's) writes for an identity:
 * the memo keys and search attributes a start may carry, derived rather than spelled out here.
 */
const SAMPLE_ID = "00000000-0000-4000-8000-000000000000";
const SAMPLE_START = bootstrapStartMetadata({ organizationId: SAMPLE_ID, eventId: SAMPLE_ID }, PROXY_STARTED_BY);
export const START_MEMO_KEYS: readonly string[] = Object.keys(SAMPLE_START.memo);
export const START_SEARCH_ATTRIBUTES = Object.keys(SAMPLE_START.searchAttributes) as readonly SearchAttributeName[];

const deny = (reason: string, workflowId?: string): Refusal => ({
  ok: false,
  code: GrpcStatus.PERMISSION_DENIED,
  reason,
  ...(workflowId ? { workflowId } : {}),
});

const invalid = (reason: string, workflowId?: string): Refusal => ({
  ok: false,
  code: GrpcStatus.INVALID_ARGUMENT,
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
 * on) are dropped instead of passed through unchecked, and a start's payloads are written anew
 * from their checked values (so no JSON quirk, such as a duplicate key or a byte-order mark,
 * can mean one thing here and another in Temporal or the worker).
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
    return invalid(`${what} is not valid protobuf: ${(error as Error).message}`);
  }
}

const isVerdict = (value: unknown): value is Verdict =>
  typeof value === "object" && value !== null && "ok" in value && (value as { ok: unknown }).ok === false;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The bytes' length as UTF-8. */
const byteLength = (text: string): number => utf8.encode(text).length;

/** Control, format (bidi overrides, zero-width) and line/paragraph separator characters. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

type Payload = protos.api.common.v1.Payload.$Properties;
type StartRequest = protos.api.workflowservice.v1.StartWorkflowExecutionRequest;
type Checked<T> = { readonly ok: true; readonly value: T } | Refusal;

/**
 * One payload as the shared client writes it: `metadata` exactly `encoding: json/plain` (plus
 * `extraMetadata`, e.g. a search attribute's `type`), `data` at most `maxBytes` of UTF-8 JSON.
 * The decoded JSON value, or the refusal.
 */
function jsonPayload(what: string, payload: Payload | null | undefined, maxBytes: number, workflowId: string, extraMetadata: Readonly<Record<string, string>> = {}): Checked<unknown> {
  if (!payload) return deny(`${what} is missing`, workflowId);
  const extra = extraFields(temporal.api.common.v1.Payload.toObject(payload as protos.api.common.v1.Payload), PAYLOAD_FIELDS);
  if (extra.length > 0) return deny(`${what}: fields not allowed through this proxy: ${extra.join(", ")}`, workflowId);
  const expected: Record<string, string> = { encoding: JSON_ENCODING, ...extraMetadata };
  const metadata = payload.metadata ?? {};
  const unexpected = Object.keys(metadata).filter((key) => !Object.hasOwn(expected, key));
  if (unexpected.length > 0) return deny(`${what}: metadata not allowed through this proxy: ${unexpected.map((key) => JSON.stringify(key.slice(0, 50))).join(", ")}`, workflowId);
  for (const [key, value] of Object.entries(expected)) {
    const actual = metadata[key];
    if (!actual || Buffer.compare(Buffer.from(actual), Buffer.from(utf8.encode(value))) !== 0) {
      return deny(`${what} must have metadata ${key} ${JSON.stringify(value)}`, workflowId);
    }
  }
  const data = payload.data ?? new Uint8Array(0);
  if (data.length > maxBytes) return deny(`${what} is ${data.length} bytes, over the ${maxBytes}-byte limit`, workflowId);
  try {
    return { ok: true, value: JSON.parse(strictUtf8.decode(data)) as unknown };
  } catch {
    return invalid(`${what} is not valid UTF-8 JSON`, workflowId);
  }
}

/** A payload holding one JSON string. */
function jsonStringPayload(what: string, payload: Payload | null | undefined, maxBytes: number, workflowId: string, extraMetadata?: Readonly<Record<string, string>>): Checked<string> {
  const checked = jsonPayload(what, payload, maxBytes, workflowId, extraMetadata);
  if (!checked.ok) return checked;
  if (typeof checked.value !== "string") return deny(`${what} must be a JSON string`, workflowId);
  return { ok: true, value: checked.value };
}

/** The start's input: one payload, the identity `{ organizationId, eventId }` of the workflow id's organization. */
function checkInput(request: StartRequest, organizationId: string): Checked<{ organizationId: string; eventId: string }> {
  const workflowId = request.workflowId;
  const payloads = request.input?.payloads ?? [];
  if (payloads.length !== 1) {
    return deny(`input must be exactly one payload, the identity {organizationId, eventId}; got ${payloads.length}`, workflowId);
  }
  const value = jsonPayload("input", payloads[0], START_LIMITS.inputBytes, workflowId);
  if (!value.ok) return value;
  const parsed = bootstrapWorkflowInputSchema.safeParse(value.value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ");
    return deny(`input must be the identity {organizationId, eventId} only (the workflow reads every other field from the recorded event): ${issues.slice(0, 300)}`, workflowId);
  }
  // The raw value, not the schema's lower-cased one: the workflow id's organization id, as it is spelled there.
  if ((value.value as { organizationId: string }).organizationId !== organizationId) {
    return deny("input organizationId must be the workflow id's organization id", workflowId);
  }
  // Optional in the workflow's schema (other starters may not know it); the edge function always does.
  const eventId = parsed.data.eventId;
  if (eventId === undefined) return deny("input eventId is required (the edge function sends the event it recorded)", workflowId);
  return { ok: true, value: { organizationId, eventId } };
}

/** The memo: only the keys the shared builder writes, each with the value it writes for this identity. */
function checkMemo(request: StartRequest, expected: BootstrapStartMetadata): Checked<Record<string, string>> {
  const workflowId = request.workflowId;
  const fields = request.memo?.fields ?? {};
  const memo: Record<string, string> = {};
  for (const [key, payload] of Object.entries(fields)) {
    if (!START_MEMO_KEYS.includes(key)) {
      return deny(`memo key ${JSON.stringify(key.slice(0, 50))} is not allowed through this proxy (only ${START_MEMO_KEYS.join(", ")})`, workflowId);
    }
    const value = jsonStringPayload(`memo ${key}`, payload, START_LIMITS.memoValueBytes, workflowId);
    if (!value.ok) return value;
    const wanted = expected.memo[key];
    if (value.value !== wanted) return deny(`memo ${key} must be ${JSON.stringify(wanted)}`, workflowId);
    memo[key] = value.value;
  }
  const missing = Object.keys(expected.memo).filter((key) => !Object.hasOwn(memo, key));
  if (missing.length > 0) return deny(`memo must hold ${missing.join(", ")}`, workflowId);
  return { ok: true, value: memo };
}

const isRegisteredSearchAttribute = (name: string): name is SearchAttributeName => Object.hasOwn(SEARCH_ATTRIBUTES, name);

/**
 * Search attributes: registered ones only, and of those only the ones a start sets (the workflow
 * sets the others, such as Subdomain, once it has read the recorded event), each a Keyword with
 * the value the shared builder writes for this identity.
 */
function checkSearchAttributes(request: StartRequest, expected: BootstrapStartMetadata): Checked<Array<[SearchAttributeName, string]>> {
  const workflowId = request.workflowId;
  const fields = request.searchAttributes?.indexedFields ?? {};
  const attributes: Array<[SearchAttributeName, string]> = [];
  for (const [name, payload] of Object.entries(fields)) {
    if (!isRegisteredSearchAttribute(name)) return deny(`search attribute ${JSON.stringify(name.slice(0, 50))} is not registered`, workflowId);
    if (!START_SEARCH_ATTRIBUTES.includes(name)) {
      return deny(`search attribute ${name} is not set by a start: the workflow sets it from the recorded event`, workflowId);
    }
    const value = jsonStringPayload(`search attribute ${name}`, payload, START_LIMITS.searchAttributeValueBytes, workflowId, { type: SEARCH_ATTRIBUTES[name] });
    if (!value.ok) return value;
    const wanted = expected.searchAttributes[name];
    if (value.value !== wanted) return deny(`search attribute ${name} must be ${JSON.stringify(wanted)}`, workflowId);
    attributes.push([name, value.value]);
  }
  const missing = START_SEARCH_ATTRIBUTES.filter((name) => !attributes.some(([set]) => set === name));
  if (missing.length > 0) return deny(`search attributes must include ${missing.join(", ")}`, workflowId);
  return { ok: true, value: attributes };
}

/** User metadata: a bounded, printable one-line summary at most; no details. */
function checkUserMetadata(request: StartRequest): Checked<string | undefined> {
  const workflowId = request.workflowId;
  if (!request.userMetadata) return { ok: true, value: undefined };
  const extra = extraFields(temporal.api.sdk.v1.UserMetadata.toObject(request.userMetadata as protos.api.sdk.v1.UserMetadata), USER_METADATA_FIELDS);
  if (extra.length > 0) return deny(`userMetadata: fields not allowed through this proxy: ${extra.join(", ")}`, workflowId);
  if (!request.userMetadata.summary) return { ok: true, value: undefined };
  const summary = jsonStringPayload("userMetadata summary", request.userMetadata.summary, START_LIMITS.summaryBytes, workflowId);
  if (!summary.ok) return summary;
  if (UNPRINTABLE.test(summary.value)) return deny("userMetadata summary must be one line of printable text", workflowId);
  return { ok: true, value: summary.value };
}

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
  // A start's id is the canonical one: an upper-case spelling would be a second workflow for the same organization.
  const organizationId = organizationIdFromWorkflowId(workflowId) ?? "";
  const canonical = bootstrapWorkflowInputSchema.safeParse({ organizationId });
  if (!canonical.success || canonical.data.organizationId !== organizationId) {
    return deny("a started workflow id must be org-bootstrap-<organization id as a lower-case UUID>", workflowId);
  }
  if (!request.requestId) return deny("requestId is required (it makes retried starts idempotent)", workflowId);
  if (byteLength(request.requestId) > START_LIMITS.requestIdBytes) return deny(`requestId is over the ${START_LIMITS.requestIdBytes}-byte limit`, workflowId);
  if (byteLength(request.identity) > START_LIMITS.identityBytes) return deny(`identity is over the ${START_LIMITS.identityBytes}-byte limit`, workflowId);
  if (UNPRINTABLE.test(request.identity)) return deny("identity must be one line of printable text", workflowId);
  // REJECT_DUPLICATE: a closed workflow is never re-run for its id; the default would allow it.
  if (request.workflowIdReusePolicy !== enums.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE) {
    return deny("workflowIdReusePolicy must be REJECT_DUPLICATE", workflowId);
  }
  const conflict = request.workflowIdConflictPolicy;
  if (conflict !== enums.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL && conflict !== enums.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED) {
    return deny("workflowIdConflictPolicy must be FAIL", workflowId);
  }

  const input = checkInput(request, organizationId);
  if (!input.ok) return input;
  // What the edge function's builder writes for this identity: the memo and search attributes allowed.
  const expected = bootstrapStartMetadata(input.value, PROXY_STARTED_BY);
  const memo = checkMemo(request, expected);
  if (!memo.ok) return memo;
  const searchAttributes = checkSearchAttributes(request, expected);
  if (!searchAttributes.ok) return searchAttributes;
  const summary = checkUserMetadata(request);
  if (!summary.ok) return summary;

  // Every payload written anew from its checked value, with the shared client's encoders.
  request.input = { payloads: [encodeJsonPayload(input.value)] };
  request.memo = { fields: Object.fromEntries(Object.entries(memo.value).map(([key, value]) => [key, encodeJsonPayload(value)])) };
  request.searchAttributes = {
    indexedFields: Object.fromEntries(searchAttributes.value.map(([name, value]) => [name, encodeSearchAttributePayload(SEARCH_ATTRIBUTES[name], value)])),
  };
  if (summary.value === undefined) request.userMetadata = null;
  else request.userMetadata = { summary: encodeJsonPayload(summary.value) };
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
