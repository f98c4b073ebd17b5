import {
  refFromEvent, triggerIndex, workflowIdOf, type TriggerEventRef, type TriggerEventRow, type TriggerIndex, type WorkflowTrigger,
} from "@org-bootstrap/shared/triggers/index.ts";
import type { StartedBy } from "@org-bootstrap/shared/workflow-contract.ts";
import { errorMessage, type ReconcilerLog } from "./log.ts";
import type { ReconcilerMetrics, ReconcilerPath } from "./metrics.ts";
import type { RecordWorkflowStarted } from "./record-started.ts";
import { Limiter } from "./limiter.ts";
import { isUnsuccessfulClose } from "./stuck.ts";
import type { WorkflowStarter } from "./starter.ts";

export type EnsureOutcome =
  | {
      readonly kind: "started";
      readonly trigger: string;
      readonly eventId: string;
      readonly workflowId: string;
      readonly runId: string;
      /** Settles (never rejects) once workflow_started is written, or its failure logged: the start does not wait for it. */
      readonly recorded: Promise<void>;
    }
  | {
      readonly kind: "already_started";
      readonly trigger: string;
      readonly eventId: string;
      readonly workflowId: string;
      readonly runId?: string;
      readonly startedBy?: StartedBy;
    }
  /** Not a declared trigger's event, or one no workflow could carry out: skipped, reported once, left for a person. */
  | { readonly kind: "invalid"; readonly trigger?: string; readonly eventId: string; readonly reason: string };

export interface EnsureDeps {
  readonly starter: WorkflowStarter;
  readonly record: RecordWorkflowStarted;
  readonly metrics: ReconcilerMetrics;
  readonly log: ReconcilerLog;
  /** The declarations this worker serves (default: the product's WORKFLOW_TRIGGERS). */
  readonly triggers?: TriggerIndex;
  /** Ensures in flight at once in this process, all paths together (default 16). */
  readonly concurrency?: number;
}

/** Thrown when ensuring one event's workflow failed (Temporal or Supabase): its ids, for the log line. */
export class EnsureFailed extends Error {
  override readonly name = "EnsureFailed";
  constructor(
    message: string,
    readonly ids: { readonly workflowId: string; readonly eventId: string; readonly trigger: string; readonly path: ReconcilerPath },
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

type Parsed =
  | { readonly ok: true; readonly trigger: WorkflowTrigger; readonly ref: TriggerEventRef }
  | { readonly ok: false; readonly trigger?: WorkflowTrigger; readonly eventId: string; readonly reason: string };

function parseRow(triggers: TriggerIndex, row: unknown): Parsed {
  const fields = (row ?? {}) as Partial<Record<keyof TriggerEventRow, unknown>>;
  const eventId = typeof fields.id === "string" ? fields.id : "(no id)";
  const trigger = typeof fields.event_type === "string" ? triggers.byEventType(fields.event_type) : undefined;
  if (!trigger) {
    return { ok: false, eventId, reason: `no trigger is declared for event type ${JSON.stringify(fields.event_type)} in this worker (registered in SQL, not deployed here?)` };
  }
  try {
    return { ok: true, trigger, ref: refFromEvent(trigger, row as TriggerEventRow) };
  } catch (error) {
    const issues = (error as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues;
    const reason = issues ? issues.map((i) => `${i.path.map(String).join(".") || "(row)"} ${i.message}`).join("; ") : errorMessage(error);
    return { ok: false, trigger, eventId, reason };
  }
}

/**
 * "Ensure the workflow" for one recorded trigger event, of any declared trigger, by any path:
 * - start it; if this call created the run, record the trigger's workflow_started event with this
 *   path as the starter (the outcome's `recorded` settles when that write is done; the ensure does not
 *   wait for it);
 * - if it already exists and the caller found the row by querying for events WITHOUT a
 *   workflow_started event (the sweep), record it now, with the run id from describe() and the starter
 *   named in the run's memo — the path that really started it (e.g. an edge function that died between
 *   its start and its record). The Realtime path skips this: the edge function or the workflow's first
 *   activity records it, and the sweep is there if both did not.
 * Concurrent ensures of one event in this process share one attempt.
 * Rejects when Temporal or Supabase fails; the row then stays pending for the next sweep.
 */
export class WorkflowEnsurer {
  private readonly inFlight = new Map<string, Promise<EnsureOutcome>>();
  private readonly reportedInvalid = new Set<string>();
  private readonly limiter: Limiter;
  private readonly triggers: TriggerIndex;

  constructor(private readonly deps: EnsureDeps) {
    this.limiter = new Limiter(deps.concurrency ?? 16);
    this.triggers = deps.triggers ?? triggerIndex();
  }

  ensure(row: unknown, path: ReconcilerPath): Promise<EnsureOutcome> {
    const parsed = parseRow(this.triggers, row);
    if (!parsed.ok) {
      const name = parsed.trigger?.name;
      if (!this.reportedInvalid.has(parsed.eventId)) {
        // Once per event per process: the sweep meets it again on every run.
        this.reportedInvalid.add(parsed.eventId);
        this.deps.metrics.invalidEvent(name ?? "undeclared");
        this.deps.log.error("trigger event is not valid, no workflow started: it needs a person", {
          eventId: parsed.eventId, ...(name ? { trigger: name } : {}), path, reason: parsed.reason,
        });
      }
      return Promise.resolve({ kind: "invalid", ...(name ? { trigger: name } : {}), eventId: parsed.eventId, reason: parsed.reason });
    }
    const { trigger, ref } = parsed;
    const running = this.inFlight.get(ref.eventId);
    if (running) return running;
    const attempt = this.limiter.run(() => this.attempt(trigger, ref, path));
    this.inFlight.set(ref.eventId, attempt);
    // Joinable until its record has landed too (without holding a limiter slot): a sweep reading the
    // row as still pending in between joins this attempt instead of describing and recording it again.
    const settled = () => {
      if (this.inFlight.get(ref.eventId) === attempt) this.inFlight.delete(ref.eventId);
    };
    // Registered before the caller's own await, so an attempt that did not start a run is gone from
    // the map by the time its caller resumes (the caller's next ensure is a fresh attempt).
    attempt.then((outcome) => (outcome.kind === "started" ? void outcome.recorded.then(settled) : settled()), settled);
    return attempt;
  }

  private async attempt(trigger: WorkflowTrigger, ref: TriggerEventRef, path: ReconcilerPath): Promise<EnsureOutcome> {
    const { starter, record, metrics, log } = this.deps;
    const workflowId = workflowIdOf(trigger, ref);
    const base = { trigger: trigger.name, eventId: ref.eventId, workflowId };
    /** What every line of this attempt carries: `path` first, so a plain line reads `started <id> path=…`. */
    const ids = { path, ...base };
    // Counts and records a run this call created. The record is not awaited here: the next start need
    // not wait for this write (a sweep waits for all of its writes before it returns). The run exists
    // and may record itself as its first activity (same key) if this write fails; the sweep backs that up.
    const created = (runId: string): EnsureOutcome => {
      metrics.workflowStarted(trigger.name, path);
      const recorded = record(trigger, ref, { workflowId, runId, startedBy: path }).catch((error: unknown) => {
        log.warn("workflow_started not written (the run or the next sweep writes it)", { ...ids, error: errorMessage(error) });
      });
      return { kind: "started", ...base, runId, recorded };
    };
    try {
      const result = await starter.start(trigger, ref, path);
      if (result.status === "started") {
        log.info(`started ${workflowId}`, { ...ids, runId: result.runId });
        return created(result.runId);
      }
      metrics.workflowAlreadyStarted(trigger.name, path);
      if (path !== "sweep") return { kind: "already_started", ...base };
      const run = await starter.describe(workflowId);
      if (isUnsuccessfulClose(run.status) && (await starter.closedHavingDoneNothing(workflowId))) {
        // A start that came before this event (forged, or early) waited, found nothing and ended having
        // written nothing. The event exists now: carry it out, as the start it pre-empted would have.
        const replaced = await starter.start(trigger, ref, path, { replacingRunThatDidNothing: true });
        if (replaced.status !== "started") return { kind: "already_started", ...base };
        log.warn(`started ${workflowId} again: its earlier run came before the event and did nothing`, {
          ...ids, previousRunId: run.runId, runId: replaced.runId,
        });
        return created(replaced.runId);
      }
      const startedBy = run.startedBy ?? path;
      await record(trigger, ref, { workflowId, runId: run.runId, startedBy });
      log.info(`recorded the start of ${workflowId}, which had no workflow_started event`, { ...ids, startedBy, runId: run.runId, status: run.status });
      return { kind: "already_started", ...base, runId: run.runId, startedBy };
    } catch (error) {
      metrics.ensureFailed(trigger.name, path);
      throw new EnsureFailed(`ensuring ${workflowId} (event ${ref.eventId}) failed: ${errorMessage(error)}`, ids, { cause: error });
    }
  }
}
