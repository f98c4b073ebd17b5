import type { SupabaseClient } from "@supabase/supabase-js";

/** Bootstrap events without a workflow_started event, older than `olderThanMs`, oldest first, at most `limit`. */
export type ReadPending = (olderThanMs: number, limit: number) => Promise<unknown[]>;

/** The SQL helper `pending_bootstrap_events` (service_role only) through PostgREST. */
export function pendingReader(supabase: SupabaseClient): ReadPending {
  return async (olderThanMs, limit) => {
    const { data, error } = await supabase.rpc("pending_bootstrap_events", {
      p_older_than: `${Math.max(0, Math.round(olderThanMs))} milliseconds`,
      p_limit: limit,
    });
    if (error) throw new Error(`pending_bootstrap_events failed: ${error.code ?? ""} ${error.message}`.trim());
    if (!Array.isArray(data)) throw new Error("pending_bootstrap_events returned no rows array");
    return data as unknown[];
  };
}
