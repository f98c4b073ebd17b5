import type { SupabaseClient } from "@supabase/supabase-js";
import { ORGANIZATIONS_PROJECTION } from "@org-bootstrap/shared/events/index.ts";
import type { WorkflowTrigger } from "@org-bootstrap/shared/triggers/index.ts";

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

interface RegistryRow {
  readonly event_type: string;
  readonly stream_type: string;
  readonly started_event_type: string;
  readonly name: string;
}

/** What the SQL registry must hold for each declaration, and what it holds that this worker does not serve. */
export function compareTriggerRegistry(declared: readonly WorkflowTrigger[], registered: readonly RegistryRow[]): { missing: string[]; undeclared: string[] } {
  const byEvent = new Map(registered.map((row) => [row.event_type, row]));
  const missing: string[] = [];
  for (const trigger of declared) {
    const row = byEvent.get(trigger.eventType);
    const want = `${trigger.name}: ${trigger.streamType}/${trigger.eventType} → ${trigger.startedEventType}`;
    if (!row) missing.push(`${want} is not registered`);
    else if (row.stream_type !== trigger.streamType || row.started_event_type !== trigger.startedEventType || row.name !== trigger.name) {
      missing.push(`${want} is registered as ${row.name}: ${row.stream_type}/${row.event_type} → ${row.started_event_type}`);
    }
  }
  const declaredTypes = new Set(declared.map((t) => t.eventType));
  const undeclared = registered.filter((row) => !declaredTypes.has(row.event_type)).map((row) => `${row.name} (${row.event_type})`);
  return { missing, undeclared };
}

/**
 * The SQL trigger registry (public.workflow_trigger_registry()) against this worker's declarations:
 * a declared trigger the database does not register would never be pending, so nothing but its direct
 * start would ever start it. That stops the worker. A registered trigger this worker does not declare
 * (a newer migration, an older worker in a rolling deploy) is only warned about: its events are left
 * pending, for a worker that serves it.
 */
export async function checkTriggerRegistry(supabase: SupabaseClient, triggers: readonly WorkflowTrigger[], warn: (message: string) => void): Promise<void> {
  const { data, error } = await supabase.rpc("workflow_trigger_registry");
  if (error) {
    throw new StartupError(`cannot read the workflow trigger registry: ${error.code ?? ""} ${error.message}`.trim(), "apply the migrations in supabase/migrations (`supabase db push`; `npm start` does it locally)");
  }
  const { missing, undeclared } = compareTriggerRegistry(triggers, (data ?? []) as RegistryRow[]);
  if (missing.length > 0) {
    throw new StartupError(
      `the database's workflow trigger registry does not match this worker's declarations: ${missing.join("; ")}`,
      "apply the migrations in supabase/migrations (each trigger is one insert into private.workflow_triggers), or deploy the worker that matches them",
    );
  }
  if (undeclared.length > 0) warn(`the database registers trigger(s) this worker does not serve, left pending for one that does: ${undeclared.join(", ")}`);
}
