/**
 * `npm run db:cleanup -- --organization-id <uuid>`   or   `npm run db:cleanup -- --subdomain <s>`
 *
 * Removes one (test) organization's events and projection rows through the event store's deliberate
 * maintenance path, public.maintenance_delete_organization (service_role only; the append-only trigger
 * refuses every other DELETE). Replaces hand-written cleanup SQL.
 *
 * Talks to the Data API like the worker does (SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY); with neither
 * set, it uses the running local stack (`npm start`) and says so.
 */
import { parseArgs } from "node:util";
import { defaultStackOptions } from "../local/src/config.ts";
import { isProcessAlive, readStackState } from "../local/src/state.ts";

const USAGE = "usage: npm run db:cleanup -- --organization-id <uuid> | --subdomain <subdomain>";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Removed {
  organization_id: string;
  subdomain: string | null;
  events: number;
  organizations: number;
  invitations: number;
}

function fail(message: string, fix?: string, exitCode = 1): never {
  process.stderr.write(`✖ ${message}\n${fix ? `  fix: ${fix}\n` : ""}`);
  process.exit(exitCode);
}

function readTarget(): { p_organization_id: string } | { p_subdomain: string } {
  let values: { "organization-id"?: string; subdomain?: string };
  try {
    ({ values } = parseArgs({ options: { "organization-id": { type: "string" }, subdomain: { type: "string" } }, strict: true }));
  } catch (error) {
    fail((error as Error).message, USAGE, 2);
  }
  const id = values["organization-id"];
  const subdomain = values.subdomain;
  if ((id === undefined) === (subdomain === undefined)) fail("give exactly one of --organization-id and --subdomain", USAGE, 2);
  if (id !== undefined) {
    if (!UUID.test(id)) fail(`--organization-id must be a UUID, got "${id}"`, USAGE, 2);
    return { p_organization_id: id };
  }
  if (!subdomain || subdomain.length > 63) fail("--subdomain must be 1 to 63 characters", USAGE, 2);
  return { p_subdomain: subdomain };
}

function readConnection(): { url: string; serviceRoleKey: string } {
  const url = process.env.SUPABASE_URL;
  const serviceRoleKey = process.env.SUPABASE_SERVICE_ROLE_KEY;
  if (url && serviceRoleKey) return { url, serviceRoleKey };
  if (url || serviceRoleKey) {
    fail(`${url ? "SUPABASE_SERVICE_ROLE_KEY" : "SUPABASE_URL"} is not set`, "set both SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY, or neither to use the local stack");
  }
  const state = readStackState(defaultStackOptions().dataDir);
  if (!state || !isProcessAlive(state.pid)) {
    fail("SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY are not set, and the local stack is not running", "start it with `npm start`, or set both variables");
  }
  process.stderr.write(`… using the local stack at ${state.env.SUPABASE_URL}\n`);
  return { url: state.env.SUPABASE_URL, serviceRoleKey: state.env.SUPABASE_SERVICE_ROLE_KEY };
}

async function main(): Promise<void> {
  const target = readTarget();
  const { url, serviceRoleKey } = readConnection();
  // Imported only now: supabase-js 2.119 prints a Node-20 deprecation warning on import, which
  // should not bury the one-line answer to a mistyped argument.
  const { createClient } = await import("@supabase/supabase-js");
  const supabase = createClient(url, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false },
  });
  const { data, error } = await supabase.rpc("maintenance_delete_organization", target);
  if (error) fail(`cleanup failed: ${error.message}${error.code ? ` (${error.code})` : ""}`, error.hint ?? undefined);
  const removed = data as Removed;
  if (removed.events === 0 && removed.organizations === 0) {
    fail(`nothing to remove: organization ${removed.organization_id} has no events and no projection row`);
  }
  process.stdout.write(
    `✔ removed organization ${removed.organization_id}${removed.subdomain ? ` (${removed.subdomain})` : ""}: ` +
      `${removed.events} event(s), ${removed.organizations} organization row(s), ${removed.invitations} invitation row(s)\n`,
  );
}

main().catch((error: unknown) => fail(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`));
