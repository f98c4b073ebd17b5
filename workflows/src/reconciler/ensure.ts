import { bootstrapInputFromEvent, type BootstrapEventRow, type BootstrapStartIdentity } from "@org-bootstrap/shared/bootstrap-input.ts";
import { bootstrapWorkflowId, type StartedBy } from "@org-bootstrap/shared/workflow-contract.ts";
import { errorMessage, type ReconcilerLog } from "./log.ts";
import type { ReconcilerMetrics, ReconcilerPath } from "./metrics.ts";
import type { RecordWorkflowStarted } from "./record-started.ts";
import { Limiter } from "./limiter.ts";
import { isUnsuccessfulClose } from "./stuck.ts";
import type { BootstrapStarter } from "./starter.ts";

export type EnsureOutcome =
  | {
      readonly kind: "started";
      readonly eventId: string;
      readonly workflowId: string;
      readonly runId: string;
      /** Settles (never rejects) once workflow_started is written, or its failure logged: the start does not wait for it. */
      readonly recorded: Promise<void>;
    }
  | { readonly kind: "already_started"; readonly eventId: string; readonly workflowId: string; readonly runId?: string; readonly startedBy?: StartedBy }
  | { readonly kind: "invalid"; readonly eventId: string; readonly reason: string };

export interface EnsureDeps {
  readonly starter: BootstrapStarter;
  readonly record: RecordWorkflowStarted;
  readonly metrics: ReconcilerMetrics;
  readonly log: ReconcilerLog;
  /** Ensures in flight at once in this process, all paths together (default 16). */
  readonly concurrency?: number;
}

function parseRow(row: unknown): { ok: true; input: BootstrapStartIdentity } | { ok: false; eventId: string; reason: string } {
  const eventId = typeof (row as { id?: unknown } | null)?.id === "string" ? (row as { id: string }).id : "(no id)";
  try {
    return { ok: true, input: bootstrapInputFromEvent(row as BootstrapEventRow) };
  } catch (error) {
    const issues = (error as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues;
    const reason = issues ? issues.map((i) => `${i.path.map(String).join(".") || "(row)"} ${i.message}`).join("; ") : errorMessage(error);
    return { ok: false, eventId, reason };
  }
}

/**
 * "Ensure the workflow" for one `organization.bootstrap.initiated` row, by any path:
 * - start it; if this call created the run, record workflow_started with this path as the starter
 *   (the outcome's `recorded` settles when that write is done; the ensure does not wait for it);
 * - if it already exists and the caller found the row by querying for bootstraps WITHOUT a
 *   workflow_started event (the sweep), record it now, with the run id from describe() and the starter
 *   named in the run's memo — the path that really started it (e.g. the edge function that died between
 *   its start and its record). The Realtime path skips this: the edge function or the workflow's first
 *   activity records it, and the sweep is there if both did not.
 * Concurrent ensures of one event in this process share one attempt.
 * Rejects when Temporal or Supabase fails; the row then stays pending for the next sweep.
 */
export class BootstrapEnsurer {
  private readonly inFlight = new Map<string, Promise<EnsureOutcome>>();
  private readonly reportedInvalid = new Set<string>();
  private readonly limiter: Limiter;

  constructor(private readonly deps: EnsureDeps) {
    this.limiter = new Limiter(deps.concurrency ?? 16);
  }

  ensure(row: unknown, path: ReconcilerPath): Promise<EnsureOutcome> {
    const parsed = parseRow(row);
    if (!parsed.ok) {
      if (!this.reportedInvalid.has(parsed.eventId)) {
        // Once per event per process: the sweep meets it again on every run.
        this.reportedInvalid.add(parsed.eventId);
        this.deps.metrics.invalidEvent();
        this.deps.log.error("bootstrap event is not valid, no workflow started: it needs a person", { eventId: parsed.eventId, path, reason: parsed.reason });
      }
      return Promise.resolve({ kind: "invalid", eventId: parsed.eventId, reason: parsed.reason });
    }
    const { input } = parsed;
    const running = this.inFlight.get(input.eventId);
    if (running) return running;
    const attempt = this.limiter.run(() => this.attempt(input, path));
    this.inFlight.set(input.eventId, attempt);
    // Joinable until its record has landed too (without holding a limiter slot): a sweep reading the
    // row as still pending in between joins this attempt instead of describing and recording it again.
    const settled = () => {
      if (this.inFlight.get(input.eventId) === attempt) this.inFlight.delete(input.eventId);
    };
    // Registered before the caller's own await, so an attempt that did not start a run is gone from
    // the map by the time its caller resumes (the caller's next ensure is a fresh attempt).
    attempt.then((outcome) => (outcome.kind === "started" ? void outcome.recorded.then(settled) : settled()), settled);
    return attempt;
  }

  private async attempt(input: BootstrapStartIdentity, path: ReconcilerPath): Promise<EnsureOutcome> {
    const { starter, record, metrics, log } = this.deps;
    const workflowId = bootstrapWorkflowId(input.organizationId);
    const base = { eventId: input.eventId, workflowId };
    // Counts and records a run this call created. The record is not awaited here: the next start need
    // not wait for this write (a sweep waits for all of its writes before it returns). The run exists
    // and records itself as its first activity (same key) if this write fails; the sweep backs that up.
    const created = (runId: string): EnsureOutcome => {
      metrics.workflowStarted(path);
      const recorded = record(input, { workflowId, runId, startedBy: path }).catch((error: unknown) => {
        log.warn("workflow_started not written (the workflow writes it itself)", { workflowId, error: errorMessage(error) });
      });
      return { kind: "started", ...base, runId, recorded };
    };
    try {
      const result = await starter.start(input, path);
      if (result.status === "started") {
        log.info(`started ${workflowId}`, { path, eventId: input.eventId, runId: result.runId });
        return created(result.runId);
      }
      metrics.workflowAlreadyStarted(path);
      if (path !== "sweep") return { kind: "already_started", ...base };
      const run = await starter.describe(workflowId);
      if (isUnsuccessfulClose(run.status) && (await starter.closedHavingDoneNothing(workflowId))) {
        // A start that came before this event (forged, or early) waited, found nothing and ended having
        // written nothing. The event exists now: carry it out, as the start it pre-empted would have.
        const replaced = await starter.start(input, path, { replacingRunThatDidNothing: true });
        if (replaced.status !== "started") return { kind: "already_started", ...base };
        log.warn(`started ${workflowId} again: its earlier run came before the event and did nothing`, { path, eventId: input.eventId, previousRunId: run.runId, runId: replaced.runId });
        return created(replaced.runId);
      }
      const startedBy = run.startedBy ?? path;
      await record(input, { workflowId, runId: run.runId, startedBy });
      log.info(`recorded the start of ${workflowId}, which had no workflow_started event`, { startedBy, runId: run.runId, status: run.status });
      return { kind: "already_started", ...base, runId: run.runId, startedBy };
    } catch (error) {
      metrics.ensureFailed(path);
      throw new Error(`ensuring ${workflowId} (event ${input.eventId}) failed: ${errorMessage(error)}`, { cause: error });
    }
  }
}
