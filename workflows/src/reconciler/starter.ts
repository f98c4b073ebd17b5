import { randomUUID } from "node:crypto";
import { isGrpcServiceError, WorkflowFailedError, type Client } from "@temporalio/client";
import { ApplicationFailure } from "@temporalio/common";
import type { temporal } from "@temporalio/proto";
import { enums } from "@org-bootstrap/shared/temporal/proto.ts";
import { startWorkflowExecutionRequest } from "@org-bootstrap/shared/temporal/client.ts";
import { workflowStart, type TriggerEventRef, type WorkflowTrigger } from "@org-bootstrap/shared/triggers/index.ts";
import { STARTED_BY, type StartedBy } from "@org-bootstrap/shared/workflow-contract.ts";
import { FailureType } from "../workflows/failure-types.ts";

export type StartResult = { readonly status: "started"; readonly runId: string } | { readonly status: "already_started" };

export interface RunDescription {
  readonly runId: string;
  /** From the run's memo: the path whose start request created it (undefined if the memo lacks it). */
  readonly startedBy: StartedBy | undefined;
  readonly status: string;
}

/** The Temporal calls the reconciler makes; a fake in unit tests. */
export interface WorkflowStarter {
  /**
   * Starts the trigger's workflow for the event (REJECT_DUPLICATE). With `replacingRunThatDidNothing`,
   * ALLOW_DUPLICATE_FAILED_ONLY instead: only for a workflow whose latest run failed having done
   * nothing (see closedHavingDoneNothing).
   */
  start(trigger: WorkflowTrigger, ref: TriggerEventRef, startedBy: StartedBy, options?: { replacingRunThatDidNothing?: boolean }): Promise<StartResult>;
  describe(workflowId: string): Promise<RunDescription>;
  /** True when the workflow's latest run failed with RecordedEventMissing: it came before its event and wrote nothing. */
  closedHavingDoneNothing(workflowId: string): Promise<boolean>;
}

/** Per attempt: a hung Temporal fails the ensure instead of stalling the Realtime handler or a sweep page. */
export const TEMPORAL_CALL_TIMEOUT_MS = 10_000;
/** Pauses before the 2nd and 3rd attempt of a start that timed out or found Temporal unavailable. */
const RETRY_DELAYS_MS = [250, 1_000];
const GRPC_ALREADY_EXISTS = 6;
/** CANCELLED is what the native connection reports when our own deadline passes ("Timeout expired"). */
const RETRYABLE_GRPC = new Set([1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);

/**
 * StartWorkflowExecution for one trigger event, field for field what an edge function sends over
 * gRPC-web: the same shared builders (workflowStart, startWorkflowExecutionRequest).
 * Only `requestId` and `identity` differ.
 */
export function triggerStartRequest(
  namespace: string,
  trigger: WorkflowTrigger,
  ref: TriggerEventRef,
  startedBy: StartedBy,
  ids: { requestId: string; identity: string },
): temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest {
  return startWorkflowExecutionRequest(namespace, ids.identity, { ...workflowStart(trigger, ref, startedBy), requestId: ids.requestId });
}

const grpcCode = (error: unknown): number | undefined => (isGrpcServiceError(error) ? error.code : undefined);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts and describes the triggers' workflows through the worker's Temporal client.
 *
 * The requestId is `${eventId}:${path}:${process}` — not the event id the edge function uses — and
 * that is deliberate. Temporal (server 1.32, `temporal server start-dev` of CLI 1.9.1, measured)
 * answers a start whose requestId matches the run's with `started: true` and the existing run id, even
 * after the run has closed. With one requestId shared by every path, every racing starter (the edge
 * function, Realtime on each replica, the sweep) would be told it started the run and would count and
 * record itself as the starter. With one requestId per path and process, exactly one starter gets the
 * run; the others get ALREADY_EXISTS ("already started", success). And a retry of our own start — after
 * a timeout whose request did reach the server — still learns that it was the one that started it.
 */
export function temporalStarter(client: Client, options: { timeoutMs?: number; processId?: string } = {}): WorkflowStarter {
  const timeoutMs = options.timeoutMs ?? TEMPORAL_CALL_TIMEOUT_MS;
  const processId = options.processId ?? randomUUID();
  const identity = client.options.identity ?? `reconciler-${processId}`;
  const withDeadline = <T>(fn: () => Promise<T>) => client.withDeadline(Date.now() + timeoutMs, fn);
  return {
    async start(trigger, ref, startedBy, startOptions = {}) {
      const request = triggerStartRequest(client.options.namespace, trigger, ref, startedBy, {
        requestId: `${ref.eventId.toLowerCase()}:${startedBy}:${processId}${startOptions.replacingRunThatDidNothing ? ":replacing" : ""}`,
        identity,
      });
      if (startOptions.replacingRunThatDidNothing) {
        request.workflowIdReusePolicy = enums.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY;
      }
      for (let attempt = 0; ; attempt += 1) {
        try {
          const response = await withDeadline(() => client.workflowService.startWorkflowExecution(request));
          return { status: "started", runId: response.runId };
        } catch (error) {
          const code = grpcCode(error);
          if (code === GRPC_ALREADY_EXISTS) return { status: "already_started" };
          const delay = RETRY_DELAYS_MS[attempt];
          if (delay === undefined || code === undefined || !RETRYABLE_GRPC.has(code)) throw error;
          await sleep(delay);
        }
      }
    },
    async closedHavingDoneNothing(workflowId) {
      try {
        await withDeadline(() => client.workflow.getHandle(workflowId).result());
        return false;
      } catch (error) {
        // Only the run's own answer decides; anything else (a deadline, Temporal unavailable) rejects,
        // so the event stays pending and the next sweep asks again.
        if (!(error instanceof WorkflowFailedError)) throw error;
        return error.cause instanceof ApplicationFailure && error.cause.type === FailureType.RecordedEventMissing;
      }
    },
    async describe(workflowId) {
      const description = await withDeadline(() => client.workflow.getHandle(workflowId).describe());
      const memoStartedBy = description.memo?.["startedBy"];
      return {
        runId: description.runId,
        startedBy: (STARTED_BY as readonly unknown[]).includes(memoStartedBy) ? (memoStartedBy as StartedBy) : undefined,
        status: description.status.name,
      };
    },
  };
}
