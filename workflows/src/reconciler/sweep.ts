import type { BootstrapEnsurer } from "./ensure.ts";
import { errorMessage, type ReconcilerLog } from "./log.ts";
import type { ReconcilerMetrics, SweepTrigger } from "./metrics.ts";
import type { ReadPending } from "./pending.ts";

export interface SweepSummary {
  /** Distinct pending bootstrap events this sweep saw. */
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
  readonly ensurer: BootstrapEnsurer;
  readonly metrics: ReconcilerMetrics;
  readonly log: ReconcilerLog;
  /** Rows per read. */
  readonly pageSize?: number;
  /** Ensures in flight at once (each is one StartWorkflowExecution, plus one emit when it starts one). */
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

/** Runs `fn` over `items`, `limit` at a time; on the first failure starts nothing new, waits for the rest, rethrows it. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.error;
}

/**
 * One sweep: read the pending bootstraps older than `graceMs` page by page and ensure each one's
 * workflow, until a read brings nothing new. Ensured rows leave the pending set (their workflow_started
 * event is written), so each read returns the next ones; rows that stay (invalid events) are skipped.
 * A Temporal or Supabase failure aborts the sweep (what it did stays done; the next sweep goes on).
 */
export async function sweepPending(deps: SweepDeps, graceMs: number, trigger: SweepTrigger): Promise<SweepSummary> {
  const pageSize = deps.pageSize ?? DEFAULT_PAGE_SIZE;
  const concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;
  const began = Date.now();
  const seen = new Set<string>();
  let started = 0;
  let alreadyStarted = 0;
  let invalid = 0;
  let pages = 0;
  let oldestAgeSeconds = 0;
  try {
    for (;;) {
      // Ensured rows have left the pending set, so asking for `seen.size` more costs nothing unless some
      // stayed (invalid events): those are the oldest, and can then never fill a page and stall the sweep.
      const limit = Math.min(MAX_LIMIT, pageSize + seen.size);
      const rows = await deps.readPending(graceMs, limit);
      pages += 1;
      if (pages === 1) oldestAgeSeconds = rows.length > 0 ? ageSeconds(rows[0], Date.now()) : 0;
      const fresh = rows.filter((row) => {
        const id = String((row as { id?: unknown } | null)?.id);
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      });
      const recordings: Array<Promise<void>> = [];
      try {
        await forEachLimited(fresh, concurrency, async (row) => {
          const outcome = await deps.ensurer.ensure(row, "sweep");
          if (outcome.kind === "started") {
            started += 1;
            recordings.push(outcome.recorded);
          } else if (outcome.kind === "already_started") alreadyStarted += 1;
          else invalid += 1;
        });
      } finally {
        // The next read must not see this page's started rows again: their workflow_started writes land first.
        await Promise.all(recordings);
      }
      deps.onPage?.({ pages, found: seen.size });
      if (fresh.length === 0 || rows.length < limit) break;
    }
  } catch (error) {
    deps.metrics.sweepFinished(trigger, "error");
    deps.log.warn(`sweep (${trigger}) stopped: ${errorMessage(error)}`, { found: seen.size, started, pages });
    throw error;
  }
  deps.metrics.setLagSeconds(oldestAgeSeconds);
  deps.metrics.sweepFinished(trigger, "ok");
  const summary: SweepSummary = { found: seen.size, started, alreadyStarted, invalid, pages, oldestAgeSeconds, durationMs: Date.now() - began };
  if (seen.size > 0) {
    deps.log.info(`sweep (${trigger}) found ${seen.size} bootstrap(s) without a workflow_started event`, {
      started, alreadyStarted, invalid, pages, oldestAgeSeconds: Math.round(oldestAgeSeconds * 10) / 10, ms: summary.durationMs,
    });
  }
  return summary;
}
