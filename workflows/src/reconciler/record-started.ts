import type { SupabaseClient } from "@supabase/supabase-js";
import {
  startedEventArgs, type StartedEventArgs, type TriggerEventRef, type WorkflowStartedData, type WorkflowTrigger,
} from "@org-bootstrap/shared/triggers/index.ts";

/** Writes the trigger's workflow_started event for one of its events; a fake in unit tests. */
export type RecordWorkflowStarted = (trigger: WorkflowTrigger, ref: TriggerEventRef, data: WorkflowStartedData) => Promise<void>;

/**
 * The same event, with the same idempotency key `${workflowId}:workflow_started`, as the edge function
 * and the workflow's own first activity write: whichever of them writes first, it is stored once.
 */
const workflowStartedArgs = (trigger: WorkflowTrigger, ref: TriggerEventRef, data: WorkflowStartedData) =>
  startedEventArgs(trigger, ref, data, "reconciler");

/** One `emit_domain_event` call per record: the simplest writer (the 5-second-poller comparison uses it). */
export function workflowStartedRecorder(supabase: SupabaseClient): RecordWorkflowStarted {
  return async (trigger, ref, data) => {
    const { error } = await supabase.rpc("emit_domain_event", workflowStartedArgs(trigger, ref, data));
    if (error) throw new Error(`emit_domain_event(workflow_started) failed: ${error.code ?? ""} ${error.message}`.trim());
  };
}

/** The SQL function's ceiling on one call (more subtransactions than Postgres caches per backend slow every snapshot). */
export const MAX_RECORDS_PER_CALL = 64;
/** One write may take this long; a hung one would otherwise hold every later record (and a sweep waiting for them) behind it. */
export const RECORD_CALL_TIMEOUT_MS = 15_000;

interface QueuedRecord {
  readonly args: StartedEventArgs;
  resolve(): void;
  reject(error: Error): void;
}

interface EmitOutcome {
  readonly ordinal: number;
  readonly event_id: string | null;
  readonly error_code: string | null;
  readonly error_message: string | null;
}

/**
 * Group commit for workflow_started: the records asked for while a write is on its way go out
 * together in the next one, as a single `emit_domain_events` call (one REST round trip, one
 * transaction, each event still idempotent on its own key). A lone record goes out at once (on the
 * next turn of the event loop), so nothing waits for a batch to fill; under a backlog drain the 16
 * starts in flight share one write instead of making 16. Each caller's promise settles with its own
 * event's outcome.
 */
export function batchingWorkflowStartedRecorder(supabase: SupabaseClient, maxPerCall = MAX_RECORDS_PER_CALL): RecordWorkflowStarted {
  if (!Number.isInteger(maxPerCall) || maxPerCall < 1 || maxPerCall > MAX_RECORDS_PER_CALL) {
    throw new RangeError(`maxPerCall must be a whole number from 1 to ${MAX_RECORDS_PER_CALL}, not ${maxPerCall}`);
  }
  const queue: QueuedRecord[] = [];
  let writing = false;

  const write = async (batch: readonly QueuedRecord[]): Promise<void> => {
    const { data, error } = await supabase
      .rpc("emit_domain_events", { p_events: batch.map((r) => r.args) })
      .abortSignal(AbortSignal.timeout(RECORD_CALL_TIMEOUT_MS));
    if (error) {
      const failure = new Error(`emit_domain_events(workflow_started × ${batch.length}) failed: ${error.code ?? ""} ${error.message}`.trim());
      for (const record of batch) record.reject(failure);
      return;
    }
    const outcomes = new Map((data as EmitOutcome[]).map((row) => [row.ordinal, row]));
    batch.forEach((record, index) => {
      const outcome = outcomes.get(index + 1);
      if (outcome?.event_id) record.resolve();
      else record.reject(new Error(`emit_domain_events(workflow_started) failed: ${outcome ? `${outcome.error_code ?? ""} ${outcome.error_message ?? ""}`.trim() : "no outcome for this event"}`));
    });
  };

  /** Runs with `writing` set by its caller, so records queued meanwhile never schedule a second drain. */
  const drain = async (): Promise<void> => {
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxPerCall);
        try {
          await write(batch);
        } catch (error) {
          const failure = error instanceof Error ? error : new Error(String(error));
          for (const record of batch) record.reject(failure);
        }
      }
    } finally {
      writing = false;
    }
  };

  return (trigger, ref, data) => {
    // Built (and validated) now, so a bad record fails its own caller and never its batch.
    let args: StartedEventArgs;
    try {
      args = workflowStartedArgs(trigger, ref, data);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return new Promise<void>((resolve, reject) => {
      queue.push({ args, resolve, reject });
      if (!writing) {
        writing = true;
        setImmediate(() => void drain());
      }
    });
  };
}
