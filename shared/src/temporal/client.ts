/**
 * A Temporal client for Deno and Supabase Edge Functions: gRPC-web over `fetch` to the
 * thin proxy (workflows/src/proxy), because @temporalio/client needs node:http2 pieces
 * those runtimes lack. Two calls only, the two the proxy forwards.
 */
import { SEARCH_ATTRIBUTES, type SearchAttributeName } from "../stack-contract.ts";
import { GrpcError, GrpcStatus } from "../grpc-web/status.ts";
import { REQUEST_ID_HEADER, wellFormedRequestId } from "../log-line.ts";
import { unaryCall, type FetchLike } from "../grpc-web/unary-call.ts";
import { alreadyStartedRunId } from "./already-started.ts";
import { encodeJsonPayload, encodePayloadMap, encodeSearchAttributePayload } from "./payload.ts";
import { enums, workflowservice, workflowServicePath } from "./proto.ts";
import { msToDuration, timestampToDate } from "./time.ts";
import { workflowStatusName, type WorkflowStatus } from "./workflow-status.ts";

export interface TemporalClientOptions {
  /** The proxy's base URL, e.g. https://temporal-proxy.example.com */
  readonly proxyUrl: string;
  /** Sent as `Authorization: Bearer …`; the proxy's TEMPORAL_PROXY_TOKEN. */
  readonly proxyToken: string;
  readonly namespace: string;
  /** Shown in workflow history as who started the workflow. */
  readonly identity?: string;
  /** Per-call deadline. */
  readonly timeoutMs?: number;
  /** Injectable for tests; defaults to the global fetch. */
  readonly fetch?: FetchLike;
}

export interface StartWorkflowOptions {
  readonly workflowId: string;
  readonly workflowType: string;
  readonly taskQueue: string;
  readonly args: readonly unknown[];
  /**
   * Idempotency key: Temporal deduplicates retried starts with the same requestId
   * (they return the original run). Pass the domain event's id.
   */
  readonly requestId: string;
  readonly memo?: Readonly<Record<string, unknown>>;
  readonly searchAttributes?: Readonly<Partial<Record<SearchAttributeName, string>>>;
  /** One line shown for the workflow in the Web UI. */
  readonly staticSummary?: string;
  /** Milliseconds, like a numeric Duration in @temporalio/client. */
  readonly workflowExecutionTimeout?: number;
  readonly signal?: AbortSignal;
  /**
   * The caller's request id for the logs (the edge function's): sent as `x-request-id`, which the
   * proxy writes as `requestId` on its line for this call. Not Temporal's `requestId` above.
   */
  readonly correlationId?: string;
}

/** `already_started` is success for callers: the workflow for this id exists. */
export type StartWorkflowResult =
  | { readonly status: "started"; readonly started: true; readonly runId: string }
  | { readonly status: "already_started"; readonly started: false; readonly runId?: string };

export interface WorkflowDescription {
  readonly workflowId: string;
  readonly runId: string;
  readonly status: WorkflowStatus;
  readonly workflowType: string;
  readonly taskQueue: string;
  readonly startTime?: Date;
  readonly closeTime?: Date;
}

export interface TemporalClient {
  startWorkflow(options: StartWorkflowOptions): Promise<StartWorkflowResult>;
  /** Throws GrpcError NOT_FOUND (see `isNotFound`) when no such workflow exists. */
  describeWorkflow(workflowId: string, options?: { runId?: string; signal?: AbortSignal; correlationId?: string }): Promise<WorkflowDescription>;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

function required(name: string, value: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new TypeError(`${name} is required`);
  return value;
}

/**
 * The StartWorkflowExecutionRequest this client sends, exported so that Node starters (the
 * reconciler, through @temporalio/client's raw WorkflowService) send exactly the same fields.
 * A closed workflow is never re-run for the same id (REJECT_DUPLICATE), and a running one is never
 * replaced (conflict policy FAIL), whoever starts it.
 */
export function startWorkflowExecutionRequest(
  namespace: string,
  identity: string,
  start: Omit<StartWorkflowOptions, "signal" | "correlationId">,
): ReturnType<typeof workflowservice.StartWorkflowExecutionRequest.create> {
  return workflowservice.StartWorkflowExecutionRequest.create({
    namespace,
    workflowId: required("workflowId", start.workflowId),
    workflowType: { name: required("workflowType", start.workflowType) },
    taskQueue: { name: required("taskQueue", start.taskQueue), kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    input: { payloads: start.args.map(encodeJsonPayload) },
    identity,
    requestId: required("requestId", start.requestId),
    workflowIdReusePolicy: enums.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
    workflowIdConflictPolicy: enums.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
    ...(start.memo ? { memo: { fields: encodePayloadMap(start.memo) } } : {}),
    ...(start.searchAttributes ? { searchAttributes: { indexedFields: encodeSearchAttributes(start.searchAttributes) } } : {}),
    ...(start.staticSummary ? { userMetadata: { summary: encodeJsonPayload(start.staticSummary) } } : {}),
    ...(start.workflowExecutionTimeout !== undefined
      ? { workflowExecutionTimeout: msToDuration(start.workflowExecutionTimeout) }
      : {}),
  });
}

export function createTemporalClient(options: TemporalClientOptions): TemporalClient {
  const baseUrl = new URL(required("proxyUrl", options.proxyUrl)).toString().replace(/\/$/, "");
  const proxyToken = required("proxyToken", options.proxyToken);
  const namespace = required("namespace", options.namespace);
  const identity = options.identity ?? "edge-function";
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetchFn: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));

  const call = (method: string, message: Uint8Array, signal: AbortSignal | undefined, correlationId: string | undefined) => {
    const requestId = wellFormedRequestId(correlationId);
    return unaryCall(`${baseUrl}${workflowServicePath(method)}`, message, {
      fetch: fetchFn,
      headers: { authorization: `Bearer ${proxyToken}`, ...(requestId ? { [REQUEST_ID_HEADER]: requestId } : {}) },
      timeoutMs,
      // Both calls are safe to resend: a start carries its requestId, a describe only reads.
      idempotent: true,
      ...(signal ? { signal } : {}),
    });
  };

  return {
    async startWorkflow(start) {
      const request = startWorkflowExecutionRequest(namespace, identity, start);
      const bytes = workflowservice.StartWorkflowExecutionRequest.encode(request).finish();
      try {
        const response = workflowservice.StartWorkflowExecutionResponse.decode(await call("StartWorkflowExecution", bytes, start.signal, start.correlationId));
        return { status: "started", started: true, runId: response.runId };
      } catch (error) {
        if (error instanceof GrpcError && error.code === GrpcStatus.ALREADY_EXISTS) {
          const runId = alreadyStartedRunId(error.statusDetails);
          return { status: "already_started", started: false, ...(runId ? { runId } : {}) };
        }
        throw error;
      }
    },

    async describeWorkflow(workflowId, describe = {}) {
      const bytes = workflowservice.DescribeWorkflowExecutionRequest.encode({
        namespace,
        execution: { workflowId: required("workflowId", workflowId), runId: describe.runId ?? "" },
      }).finish();
      const response = workflowservice.DescribeWorkflowExecutionResponse.decode(
        await call("DescribeWorkflowExecution", bytes, describe.signal, describe.correlationId),
      );
      const info = response.workflowExecutionInfo;
      if (!info?.execution) throw new GrpcError(GrpcStatus.INTERNAL, "DescribeWorkflowExecution returned no execution info");
      const startTime = timestampToDate(info.startTime);
      const closeTime = timestampToDate(info.closeTime);
      return {
        workflowId: info.execution.workflowId ?? workflowId,
        runId: info.execution.runId ?? "",
        status: workflowStatusName(info.status),
        workflowType: info.type?.name ?? "",
        taskQueue: info.taskQueue ?? "",
        ...(startTime ? { startTime } : {}),
        ...(closeTime ? { closeTime } : {}),
      };
    },
  };
}

function encodeSearchAttributes(values: Readonly<Partial<Record<SearchAttributeName, string>>>) {
  return Object.fromEntries(
    Object.entries(values)
      .filter((entry): entry is [SearchAttributeName, string] => entry[1] !== undefined)
      .map(([name, value]) => [name, encodeSearchAttributePayload(SEARCH_ATTRIBUTES[name], value)]),
  );
}
