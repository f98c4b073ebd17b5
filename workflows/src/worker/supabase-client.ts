import { createClient, type SupabaseClient } from "@supabase/supabase-js";

/**
 * The worker's only way into Supabase: HTTP (PostgREST) and Realtime, both of which work behind a
 * connection pooler — unlike the LISTEN/NOTIFY session the original worker relied on.
 * The service_role key bypasses RLS; it never leaves this process.
 */
export function createServiceClient(supabaseUrl: string, serviceRoleKey: string): SupabaseClient {
  return createClient(supabaseUrl, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: { headers: { "x-application-name": "temporal-worker" } },
  });
}
