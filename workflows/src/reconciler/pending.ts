import type { SupabaseClient } from "@supabase/supabase-js";

/** Trigger events (every registered type) without their workflow_started event, older than `olderThanMs`, oldest first, at most `limit`. */
export type ReadPending = (olderThanMs: number, limit: number) => Promise<unknown[]>;

/** The SQL helper `pending_trigger_events` (service_role only) through PostgREST. */
export function pendingReader(supabase: SupabaseClient): ReadPending {
  return async (olderThanMs, limit) => {
    const { data, error } = await supabase.rpc("pending_trigger_events", {
      p_older_than: `${Math.max(0, Math.round(olderThanMs))} milliseconds`,
      p_limit: limit,
    });
    if (error) throw new Error(`pending_trigger_events failed: ${error.code ?? ""} ${error.message}`.trim());
    if (!Array.isArray(data)) throw new Error("pending_trigger_events returned no rows array");
    return data as unknown[];
  };
}
