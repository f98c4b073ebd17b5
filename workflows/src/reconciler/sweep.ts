import type { TriggerIndex } from "@org-bootstrap/shared/triggers/index.ts";
import { EnsureFailed, type WorkflowEnsurer } from "./ensure.ts";
import { errorMessage, type ReconcilerLog } from "./log.ts";
import type { ReconcilerMetrics, SweepKind } from "./metrics.ts";
import type { ReadPending } from "./pending.ts";

export interface SweepSummary {
  /** Distinct pending trigger events this sweep saw. */
  readonly found: number;
  readonly started: number;
  readonly alreadyStarted: number;
  readonly invalid: number;
  readonly pages: number;
  /** Age of the oldest pending event when the sweep began (0 when there was none). */
  readonly oldestAgeSeconds: number;
  readonly durationMs: number;
}

export interface SweepDeps {
  readonly readPending: ReadPending;
  readonly ensurer: WorkflowEnsurer;
  /** The declared triggers: each one's lag gauge is set from the sweep's first page. */
  readonly triggers: TriggerIndex;
  readonly metrics: ReconcilerMetrics;
  readonly log: ReconcilerLog;
  /** Rows per read. */
  readonly pageSize?: number;
  /** Ensures in flight at once (each is one StartWorkflowExecution; its record joins a shared batched write). */
  readonly concurrency?: number;
  /** Called after each page (the schedule's activity heartbeats here). */
  readonly onPage?: (progress: { pages: number; found: number }) => void;
}

/** The SQL helper's ceiling on p_limit. */
const MAX_LIMIT = 10_000;
export const DEFAULT_PAGE_SIZE = 500;
export const DEFAULT_CONCURRENCY = 16;

function ageSeconds(row: unknown, now: number): number {
  const createdAt = Date.parse(String((row as { created_at?: unknown } | null)?.created_at ?? ""));
  return Number.isFinite(createdAt) ? Math.max(0, (now - createdAt) / 1000) : 0;
}

/**
 * Per declared trigger, the age of its oldest event in a page read oldest first (0 when it has none
 * there). A trigger whose events all sit behind a full page of older ones reads 0 until they come up.
 */
function oldestAgeByTrigger(triggers: TriggerIndex, rows: readonly unknown[], now: number): Map<string, number> {
  const ages = new Map(triggers.all.map((t) => [t.name, 0]));
  for (const row of rows) {
    const trigger = triggers.byEventType(String((row as { event_type?: unknown } | null)?.event_type));
    if (trigger && ages.get(trigger.name) === 0) ages.set(trigger.name, ageSeconds(row, now));
  }
  return ages;
}

/**
 * One sweep: read the pending trigger events (every trigger) older than `graceMs` page by page and ensure each one's
 * workflow, `concurrency` at a time, until a read brings nothing new. Ensured rows leave the pending
 * set (their workflow_started event is written), so each read returns the next ones; rows that stay
 * (invalid events) are skipped.
 *
 * The next page is read as soon as the last row of the current one is handed out, while its last
 * starts run, so the lanes never stand idle at a page boundary. That read may return rows still in
 * flight or not yet recorded: they are skipped as seen, and the read asks for `seen.size` more rows
 * than a page, so such rows (and invalid events, the oldest of all) can never fill it and hide the
 * next ones. A Temporal or Supabase failure aborts the sweep once the ensures in flight have finished
 * (what it did stays done; the next sweep goes on).
 */
export async function sweepPending(deps: SweepDeps, graceMs: number, kind: SweepKind): Promise<SweepSummary> {
  const pageSize = deps.pageSize ?? DEFAULT_PAGE_SIZE;
  const concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;
  const began = Date.now();
  const seen = new Set<string>();
  const queue: unknown[] = [];
  const recordings: Array<Promise<void>> = [];
  let started = 0;
  let alreadyStarted = 0;
  let invalid = 0;
  let pages = 0;
  let oldestAgeSeconds = 0;
  let lagByTrigger = new Map<string, number>();
  /** A read found nothing new, or all there was: once the queue is empty, the sweep is done. */
  let exhausted = false;
  let reading: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;

  const readPage = async (): Promise<void> => {
    const limit = Math.min(MAX_LIMIT, pageSize + seen.size);
    const rows = await deps.readPending(graceMs, limit);
    pages += 1;
    if (pages === 1) {
      const now = Date.now();
      oldestAgeSeconds = rows.length > 0 ? ageSeconds(rows[0], now) : 0;
      lagByTrigger = oldestAgeByTrigger(deps.triggers, rows, now);
    }
    let fresh = 0;
    for (const row of rows) {
      const id = String((row as { id?: unknown } | null)?.id);
      if (seen.has(id)) continue;
      seen.add(id);
      queue.push(row);
      fresh += 1;
    }
    deps.onPage?.({ pages, found: seen.size });
    if (fresh === 0 || rows.length < limit) exhausted = true;
  };
  /** One read at a time; its failure fails the sweep whoever started it. */
  const startRead = (): Promise<void> => {
    reading ??= readPage()
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  const nextRow = async (): Promise<unknown> => {
    for (;;) {
      if (failure) return undefined;
      if (queue.length > 0) {
        const row = queue.shift();
        if (queue.length === 0 && !exhausted) void startRead();
        return row;
      }
      if (exhausted) return undefined;
      await startRead();
    }
  };
  const lane = async (): Promise<void> => {
    for (let row = await nextRow(); row !== undefined; row = await nextRow()) {
      try {
        const outcome = await deps.ensurer.ensure(row, "sweep");
        if (outcome.kind === "started") {
          started += 1;
          recordings.push(outcome.recorded);
        } else if (outcome.kind === "already_started") alreadyStarted += 1;
        else invalid += 1;
      } catch (error) {
        failure ??= { error };
      }
    }
  };

  await Promise.all(Array.from({ length: concurrency }, lane));
  await reading;
  // What this sweep started is recorded before it reports (a caller's next sweep reads a settled set).
  await Promise.all(recordings);
  if (failure) {
    deps.metrics.sweepFinished(kind, "error");
    // The event it stopped at, when an ensure failed: its ids, so a grep on them finds this line too.
    const ids = failure.error instanceof EnsureFailed ? failure.error.ids : { path: "sweep" };
    deps.log.warn(`sweep (${kind}) stopped: ${errorMessage(failure.error)}`, { ...ids, found: seen.size, started, pages });
    throw failure.error;
  }
  for (const [trigger, seconds] of lagByTrigger) deps.metrics.setLagSeconds(trigger, seconds);
  deps.metrics.sweepFinished(kind, "ok");
  const summary: SweepSummary = { found: seen.size, started, alreadyStarted, invalid, pages, oldestAgeSeconds, durationMs: Date.now() - began };
  if (seen.size > 0) {
    deps.log.info(`sweep (${kind}) found ${seen.size} trigger event(s) without a workflow_started event`, {
      path: "sweep", started, alreadyStarted, invalid, pages, oldestAgeSeconds: Math.round(oldestAgeSeconds * 10) / 10, ms: summary.durationMs,
    });
  }
  return summary;
}
