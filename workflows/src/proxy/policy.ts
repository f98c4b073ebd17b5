/**
 * What the proxy lets through, decided from the decoded request before anything reaches
 * Temporal. The proxy is reachable from the internet with one shared token, so it is an
 * allowlist: two methods, one namespace, and starts of the declared workflow triggers only
 * (shared/src/triggers/), each of its trigger's workflow type, on that trigger's task queue, with
 * that trigger's workflow id, and only the request fields the edge function's client sets. A start
 * may carry nothing but the identity the edge function sends (the subject, e.g. which organization,
 * and the event id): never a business field, since the workflow takes those from the recorded
 * event. What a start may carry is derived from the one start-request builder, workflowStart(), so
 * a new trigger needs no change here. Pure: no I/O.
 */
import { GrpcStatus, type GrpcStatusCode } from "@org-bootstrap/shared/grpc-web/status.ts";
import { SEARCH_ATTRIBUTES, type SearchAttributeName } from "@org-bootstrap/shared/stack-contract.ts";
import { JSON_ENCODING, encodeJsonPayload, encodeSearchAttributePayload } from "@org-bootstrap/shared/temporal/payload.ts";
import { enums, temporal, workflowservice } from "@org-bootstrap/shared/temporal/proto.ts";
import {
  WORKFLOW_TRIGGERS,
  isWorkflowIdOf,
  organizationBootstrapTrigger,
  refFromInput,
  strictInputSchema,
  triggerIndex,
  workflowIdOf,
  workflowInputOf,
  workflowStart,
  type TriggerEventRef,
  type TriggerIndex,
  type WorkflowStart,
  type WorkflowTrigger,
} from "@org-bootstrap/shared/triggers/index.ts";
import type { temporal as protos } from "@temporalio/proto";
import { PROXY_STARTED_BY } from "@org-bootstrap/shared/workflow-contract.ts";

export const PROXIED_METHODS = ["StartWorkflowExecution", "DescribeWorkflowExecution"] as const;
export type ProxiedMethod = (typeof PROXIED_METHODS)[number];

export function isProxiedMethod(method: string): method is ProxiedMethod {
  return (PROXIED_METHODS as readonly string[]).includes(method);
}

export interface ProxyPolicy {
  readonly namespace: string;
  /** The triggers whose workflows may be started (and described): their types, queues, ids and inputs. */
  readonly triggers: TriggerIndex;
}

/**
 * The proxy's policy for `namespace`: the declared triggers (all of the product's by default). Throws
 * when the triggers conflict (triggerIndex), or when a trigger's own starts would not pass the checks
 * below (a value over START_LIMITS, a search attribute that is not a Keyword), so such a declaration
 * fails when the proxy starts, not on every start.
 */
export function triggerPolicy(namespace: string, triggers: readonly WorkflowTrigger[] = WORKFLOW_TRIGGERS): ProxyPolicy {
  const index = triggerIndex(triggers);
  const problems = index.all.flatMap(startProblems);
  if (problems.length > 0) throw new Error(`the proxy cannot accept these triggers' starts: ${problems.join("; ")}`);
  return { namespace, triggers: index };
}

/** True when `workflowId` has the shape of one of the triggers' ids: its prefix and a lower-case UUID. */
export function isDeclaredWorkflowId(triggers: TriggerIndex, workflowId: string): boolean {
  return triggers.all.some((trigger) => isWorkflowIdOf(trigger, workflowId));
}

/** A bootstrap workflow id: `org-bootstrap-<organization id as a lower-case UUID>`. */
export function isBootstrapWorkflowId(workflowId: string): boolean {
  return isWorkflowIdOf(organizationBootstrapTrigger, workflowId);
}

/** "organizationId" → "organization id": an input key as the refusals name it. */
const words = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();

/** The input key whose value the workflow id carries (the subject, or the event id for one workflow per event). */
const workflowIdKey = (trigger: WorkflowTrigger): string => (trigger.oneWorkflowPer === "stream" ? trigger.subjectKey : "eventId");

/** How a trigger's start input is named in refusals: `{organizationId, eventId}`. */
const identityOf = (trigger: WorkflowTrigger): string => `{${trigger.subjectKey}, eventId}`;

/**
 * What the shared builder (workflowStart, the edge function's) writes for any start of a trigger:
 * the memo keys and search attributes such a start may carry, derived rather than spelled out here.
 */
export interface StartShape {
  readonly memoKeys: readonly string[];
  readonly searchAttributes: readonly SearchAttributeName[];
}

const SAMPLE_ID = "00000000-0000-4000-8000-000000000000";

export function startShape(trigger: WorkflowTrigger): StartShape {
  const sample = workflowStart(trigger, { streamId: SAMPLE_ID, eventId: SAMPLE_ID }, PROXY_STARTED_BY);
  return {
    memoKeys: Object.keys(sample.memo),
    searchAttributes: Object.keys(sample.searchAttributes) as SearchAttributeName[],
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

/** Why the shared builder's start for a sample event of `trigger` would be refused; empty when it passes. */
function startProblems(trigger: WorkflowTrigger): string[] {
  const sample = workflowStart(trigger, { streamId: SAMPLE_ID, eventId: SAMPLE_ID }, PROXY_STARTED_BY);
  const json = (value: unknown) => byteLength(JSON.stringify(value));
  const problems: string[] = [];
  if (json(sample.args[0]) > START_LIMITS.inputBytes) problems.push(`${trigger.name}: its input is over ${START_LIMITS.inputBytes} bytes`);
  for (const [key, value] of Object.entries(sample.memo)) {
    if (json(value) > START_LIMITS.memoValueBytes) problems.push(`${trigger.name}: memo ${key} is over ${START_LIMITS.memoValueBytes} bytes`);
  }
  for (const [name, value] of Object.entries(sample.searchAttributes)) {
    if (!isRegisteredSearchAttribute(name) || SEARCH_ATTRIBUTES[name] !== "Keyword") problems.push(`${trigger.name}: search attribute ${name} is not a registered Keyword`);
    if (json(value) > START_LIMITS.searchAttributeValueBytes) problems.push(`${trigger.name}: search attribute ${name} is over ${START_LIMITS.searchAttributeValueBytes} bytes`);
  }
  if (json(sample.staticSummary) > START_LIMITS.summaryBytes || UNPRINTABLE.test(sample.staticSummary)) {
    problems.push(`${trigger.name}: its summary is not one printable line of at most ${START_LIMITS.summaryBytes} bytes`);
  }
  return problems;
}

export type Verdict =
  | {
    readonly ok: true;
    readonly workflowId: string;
    readonly message: Uint8Array;
    /** A start's event id and trigger name, as checked (for the call's log line). */
    readonly eventId?: string;
    readonly trigger?: string;
  }
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

/** What a checked input names: the event, and the input exactly as the shared builder writes it for that event. */
interface CheckedInput {
  readonly ref: TriggerEventRef;
  readonly input: Readonly<Record<string, string>>;
}

/**
 * The start's input: one payload, the trigger's identity `{ [subjectKey], eventId }` (strictInputSchema)
 * naming the workflow id's subject (or event), spelled exactly as workflowInputOf writes it.
 */
function checkInput(request: StartRequest, trigger: WorkflowTrigger): Checked<CheckedInput> {
  const workflowId = request.workflowId;
  const identity = identityOf(trigger);
  const payloads = request.input?.payloads ?? [];
  if (payloads.length !== 1) {
    return deny(`input must be exactly one payload, the identity ${identity}; got ${payloads.length}`, workflowId);
  }
  const value = jsonPayload("input", payloads[0], START_LIMITS.inputBytes, workflowId);
  if (!value.ok) return value;
  const parsed = strictInputSchema(trigger).safeParse(value.value);
  if (!parsed.success) {
    // The event id alone missing: other starters of old may not have sent it; the edge function always does.
    const raw = value.value;
    if (typeof raw === "object" && raw !== null && !Array.isArray(raw) && !Object.hasOwn(raw, "eventId") && parsed.error.issues.every((issue) => issue.path[0] === "eventId")) {
      return deny("input eventId is required (the edge function sends the event it recorded)", workflowId);
    }
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ");
    return deny(`input must be the identity ${identity} only (the workflow reads every other field from the recorded event): ${issues.slice(0, 300)}`, workflowId);
  }
  // The raw values, not the schema's lower-cased ones: the workflow id's, as they are spelled there.
  const raw = value.value as Record<string, string>;
  const key = workflowIdKey(trigger);
  if (raw[key] !== workflowId.slice(trigger.workflowIdPrefix.length)) {
    return deny(`input ${key} must be the workflow id's ${words(key)}`, workflowId);
  }
  const ref = refFromInput(trigger, raw);
  if (!ref || workflowIdOf(trigger, ref) !== workflowId) return deny(`input must name the workflow id's ${words(key)}`, workflowId);
  const input = workflowInputOf(trigger, ref);
  const keys = Object.keys(input);
  if (Object.keys(raw).length !== keys.length || keys.some((name) => raw[name] !== input[name])) {
    return deny(`input must be the identity ${identity} as the shared builder writes it (ids as lower-case UUIDs)`, workflowId);
  }
  return { ok: true, value: { ref, input } };
}

/** The memo: only the keys the shared builder writes, each with the value it writes for this event. */
function checkMemo(request: StartRequest, shape: StartShape, expected: WorkflowStart): Checked<Record<string, string>> {
  const workflowId = request.workflowId;
  const fields = request.memo?.fields ?? {};
  const memo: Record<string, string> = {};
  for (const [key, payload] of Object.entries(fields)) {
    if (!shape.memoKeys.includes(key)) {
      return deny(`memo key ${JSON.stringify(key.slice(0, 50))} is not allowed through this proxy (only ${shape.memoKeys.join(", ")})`, workflowId);
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
 * Search attributes: registered ones only, and of those only the ones a start of this trigger sets
 * (the workflow sets the others, such as Subdomain, once it has read the recorded event), each a
 * Keyword with the value the shared builder writes for this event.
 */
function checkSearchAttributes(request: StartRequest, shape: StartShape, expected: WorkflowStart): Checked<Array<[SearchAttributeName, string]>> {
  const workflowId = request.workflowId;
  const fields = request.searchAttributes?.indexedFields ?? {};
  const attributes: Array<[SearchAttributeName, string]> = [];
  for (const [name, payload] of Object.entries(fields)) {
    if (!isRegisteredSearchAttribute(name)) return deny(`search attribute ${JSON.stringify(name.slice(0, 50))} is not registered`, workflowId);
    if (!shape.searchAttributes.includes(name)) {
      return deny(`search attribute ${name} is not set by a start: the workflow sets it from the recorded event`, workflowId);
    }
    const value = jsonStringPayload(`search attribute ${name}`, payload, START_LIMITS.searchAttributeValueBytes, workflowId, { type: SEARCH_ATTRIBUTES[name] });
    if (!value.ok) return value;
    const wanted = expected.searchAttributes[name];
    if (value.value !== wanted) return deny(`search attribute ${name} must be ${JSON.stringify(wanted)}`, workflowId);
    attributes.push([name, value.value]);
  }
  const missing = shape.searchAttributes.filter((name) => !attributes.some(([set]) => set === name));
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
  const trigger = policy.triggers.byWorkflowType(type);
  if (!trigger) return deny(`workflow type ${JSON.stringify(type)} is not allowed`, workflowId);
  const queue = request.taskQueue;
  if (queue?.name !== trigger.taskQueue) return deny(`task queue ${JSON.stringify(queue?.name ?? "")} is not allowed`, workflowId);
  if (queue.kind !== enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL && queue.kind !== enums.TaskQueueKind.TASK_QUEUE_KIND_UNSPECIFIED) {
    return deny("only normal task queues are allowed", workflowId);
  }
  if (queue.normalName) return deny("sticky task queue fields are not allowed", workflowId);
  // This trigger's id, in its canonical spelling: an upper-case one would be a second workflow for the same subject.
  if (!isWorkflowIdOf(trigger, workflowId)) {
    return deny(`workflow id ${JSON.stringify(workflowId.slice(0, 200))} is not allowed: a started workflow id must be ${trigger.workflowIdPrefix}<${words(workflowIdKey(trigger))} as a lower-case UUID>`);
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

  const input = checkInput(request, trigger);
  if (!input.ok) return input;
  // What the edge function's builder writes for this event: the memo and search attributes allowed.
  const expected = workflowStart(trigger, input.value.ref, PROXY_STARTED_BY);
  const shape = startShape(trigger);
  const memo = checkMemo(request, shape, expected);
  if (!memo.ok) return memo;
  const searchAttributes = checkSearchAttributes(request, shape, expected);
  if (!searchAttributes.ok) return searchAttributes;
  const summary = checkUserMetadata(request);
  if (!summary.ok) return summary;

  // Every payload written anew from its checked value, with the shared client's encoders.
  request.input = { payloads: [encodeJsonPayload(input.value.input)] };
  request.memo = { fields: Object.fromEntries(Object.entries(memo.value).map(([key, value]) => [key, encodeJsonPayload(value)])) };
  request.searchAttributes = {
    indexedFields: Object.fromEntries(searchAttributes.value.map(([name, value]) => [name, encodeSearchAttributePayload(SEARCH_ATTRIBUTES[name], value)])),
  };
  if (summary.value === undefined) request.userMetadata = null;
  else request.userMetadata = { summary: encodeJsonPayload(summary.value) };
  return { ok: true, workflowId, eventId: input.value.ref.eventId, trigger: trigger.name, message: Request.encode(request).finish() };
}

function checkDescribe(body: Uint8Array, policy: ProxyPolicy): Verdict {
  const Request = workflowservice.DescribeWorkflowExecutionRequest;
  const request = decode("DescribeWorkflowExecutionRequest", () => Request.decode(body));
  if (isVerdict(request)) return request;
  const workflowId = request.execution?.workflowId ?? "";
  const extra = extraFields(Request.toObject(request), DESCRIBE_FIELDS);
  if (extra.length > 0) return deny(`fields not allowed through this proxy: ${extra.join(", ")}`, workflowId);
  if (request.namespace !== policy.namespace) return deny(`namespace ${JSON.stringify(request.namespace)} is not allowed`, workflowId);
  if (!isDeclaredWorkflowId(policy.triggers, workflowId)) return deny(`workflow id ${JSON.stringify(workflowId.slice(0, 200))} is not allowed`);
  return { ok: true, workflowId, message: Request.encode(request).finish() };
}
