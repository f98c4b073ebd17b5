import type { TemporalClient } from "@org-bootstrap/shared/temporal/client.ts";
import type { WorkflowStart } from "@org-bootstrap/shared/triggers/index.ts";
import type { Log } from "./log.ts";

/** What Deno.serve passes a handler beside the request; only `completed` is used here. */
export interface ServeInfo {
  /** Settles once the response has been delivered (Deno 2's `Deno.ServeHandlerInfo.completed`). */
  readonly completed?: Promise<void>;
}

/**
 * Work for after the response. Where the runtime reports delivery (Deno 2's Deno.serve, which the
 * local stack runs), it starts once the response is out, so the answer never waits behind it: on two
 * cores a write begun before the response left delayed it by ~0.5–1 ms at one caller (benchmark 1).
 * Supabase's hosted Edge Runtime passes no `completed`; there the work starts at once, as before.
 * It runs either way, even if delivery failed, and is given to EdgeRuntime.waitUntil, which keeps
 * the hosted isolate alive until it settles (plain Deno runs pending promises anyway).
 */
export function afterResponse(info: ServeInfo | undefined, work: () => Promise<void>): void {
  const task = info?.completed ? info.completed.then(work, work) : work();
  const runtime = (globalThis as { EdgeRuntime?: { waitUntil(promise: Promise<unknown>): void } }).EdgeRuntime;
  runtime?.waitUntil(task);
}

export interface DirectStart {
  readonly temporal: TemporalClient;
  readonly log: Log;
  /** From workflowStart(trigger, ref, "edge"): the same request every other path sends. */
  readonly start: WorkflowStart;
  /** The recorded event: the start's requestId, so a retried request's start dedupes. */
  readonly eventId: string;
  readonly requestId: string;
  /** How long the request may wait for StartWorkflowExecution before answering 202 queued. */
  readonly budgetMs: number;
  readonly info: ServeInfo | undefined;
  /** Writes the trigger's workflow_started event for the run this call created. */
  readonly record: (runId: string) => Promise<unknown>;
}

/**
 * How a direct start ended: this call created the run, the run already existed (an earlier request,
 * or the reconciler was faster), or Temporal or the proxy did not answer in time.
 */
export type DirectStartOutcome = "started here" | "already started" | "queued";

/** The answer's status: a run that exists is "started", whoever created it. */
export const answerStatus = (outcome: DirectStartOutcome): "started" | "queued" => (outcome === "queued" ? "queued" : "started");

/** The outcome on the function's log line: `path` names who started the run, so only when this call did. */
export const outcomeLogFields = (outcome: DirectStartOutcome): Record<string, unknown> =>
  outcome === "started here" ? { path: "edge" } : outcome === "already started" ? { alreadyStarted: true } : {};

/**
 * An edge function's direct start, after its event is recorded. When Temporal or the proxy does not
 * answer in time the event is durable and the reconciler (Realtime, then the sweep) starts the workflow.
 */
export async function startDirectly(options: DirectStart): Promise<DirectStartOutcome> {
  const { start, log, requestId, eventId } = options;
  try {
    // The event id makes the start idempotent; the request id goes along for the proxy's log line.
    const result = await options.temporal.startWorkflow({ ...start, requestId: eventId, correlationId: requestId, signal: AbortSignal.timeout(options.budgetMs) });
    if (result.status === "started") {
      // The path that started the run records it (one idempotency key for every path, so it is written
      // once). After the response, off its critical path: the workflow's first activity writes the same
      // event from its memo, so if this write is cut short the record still appears.
      const runId = result.runId;
      // async, so that even a synchronous throw of the store lands in this catch, never in the handler.
      afterResponse(options.info, async () => {
        try {
          await options.record(runId);
        } catch (error) {
          log.warn("workflow_started event not written here; the workflow records it", { requestId, eventId, workflowId: start.workflowId, path: "edge", error: String(error) });
        }
      });
      return "started here";
    }
    return "already started";
  } catch (error) {
    log.warn("workflow start deferred to the reconciler", { requestId, eventId, workflowId: start.workflowId, path: "edge", error: String(error) });
    return "queued";
  }
}
