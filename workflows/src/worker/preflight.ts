import type { SupabaseClient } from "@supabase/supabase-js";
import { ORGANIZATIONS_PROJECTION } from "@org-bootstrap/shared/events/index.ts";

/**
 * Thrown when the worker can reach a dependency but cannot work with it, or cannot reach it at all;
 * `fix` tells the operator what to do. main.ts prints both lines and exits 1.
 */
export class StartupError extends Error {
  override readonly name = "StartupError";
  constructor(message: string, readonly fix: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * One read as service_role before polling: a wrong key, a wrong URL or a database without the
 * migrations shows up at startup, not in the first bootstrap's activity retries.
 */
export async function checkSupabase(supabase: SupabaseClient, supabaseUrl: string): Promise<void> {
  const { error, status } = await supabase.from(ORGANIZATIONS_PROJECTION).select("id").limit(1);
  if (!error) return;
  if (status === 0) {
    throw new StartupError(`cannot reach Supabase at ${supabaseUrl}: ${error.message}`, "start it (`npm start`) or fix SUPABASE_URL");
  }
  if (status === 401 || status === 403) {
    throw new StartupError(`Supabase at ${supabaseUrl} rejected SUPABASE_SERVICE_ROLE_KEY (HTTP ${status})`, "use the project's service_role key (`npm run status` prints it)");
  }
  if (status === 404) {
    throw new StartupError(`Supabase at ${supabaseUrl} has no ${ORGANIZATIONS_PROJECTION} table`, "apply the migrations in supabase/migrations (`npm start` does)");
  }
  throw new StartupError(`Supabase at ${supabaseUrl} answered HTTP ${status}: ${error.message}`, "check the Supabase logs");
}
