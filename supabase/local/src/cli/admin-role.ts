/**
 * `npm run admin:grant -- --email <addr> [--db-url <postgres url>]` makes a user a platform admin;
 * `npm run admin:revoke -- --email <addr> [--db-url <postgres url>]` takes it back. Both change
 * public.user_roles, which the custom access token hook reads: the user's next access token (at
 * sign-in, or when the session refreshes) carries the change.
 *
 * The database is --db-url, else SUPABASE_DB_URL, else the running local stack's. For a hosted
 * project, pass its postgres connection string (Dashboard → Connect).
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import { defaultStackOptions } from "../config.ts";
import { grantRole, revokeRole, RoleChangeError } from "../auth/user-roles.ts";
import { isProcessAlive, readStackState } from "../state.ts";

const USAGE = "usage: npm run admin:grant -- --email <addr> [--db-url <postgres url>]  (or admin:revoke)";
const EMAIL = /^[^@\s]+@[^@\s]+$/;
const CONNECT_TIMEOUT_MS = 10_000;

function fail(message: string, fix?: string, code = 1): never {
  process.stderr.write(`✖ ${message}\n  ${fix ? `fix: ${fix}` : USAGE}\n`);
  process.exit(code);
}

/** --db-url, SUPABASE_DB_URL, or the running local stack's, in that order. */
function databaseUrl(flag: string | undefined): string {
  const url = flag ?? process.env.SUPABASE_DB_URL;
  if (url) return url;
  const state = readStackState(defaultStackOptions().dataDir);
  if (state && isProcessAlive(state.pid)) return state.env.SUPABASE_DB_URL;
  return fail("no database: the local stack is not running and neither --db-url nor SUPABASE_DB_URL is set", "start it with `npm start`, or pass --db-url <the project's postgres connection string>");
}

/** host:port of a connection string, never its password. */
function whereIs(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ""}`;
  } catch {
    return "the database";
  }
}

function connectionProblem(error: unknown, url: string): string {
  const { code, message } = error as { code?: string; message?: string };
  const where = whereIs(url);
  if (code === "ECONNREFUSED") return `cannot connect to ${where}: nothing listens there`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `cannot connect to ${where}: unknown host`;
  if (code === "28P01" || code === "28000") return `cannot connect to ${where}: the user or password is wrong`;
  // pg's own messages name neither the password nor the URL.
  return `cannot connect to ${where}: ${message ?? String(error)}`;
}

async function main(): Promise<void> {
  const [action, ...rest] = process.argv.slice(2);
  if (action !== "grant" && action !== "revoke") fail(`unknown action ${JSON.stringify(action)}: use admin:grant or admin:revoke`, undefined, 2);
  let values: { email?: string; "db-url"?: string };
  try {
    ({ values } = parseArgs({ args: rest, options: { email: { type: "string" }, "db-url": { type: "string" } }, strict: true }));
  } catch (error) {
    fail((error as Error).message, undefined, 2);
  }
  if (!values.email) fail("missing --email", undefined, 2);
  if (!EMAIL.test(values.email) || values.email.length > 255) fail("--email must be an e-mail address", undefined, 2);
  if (values["db-url"] !== undefined && !/^postgres(ql)?:\/\//.test(values["db-url"])) fail("--db-url must be a postgres:// connection string", undefined, 2);

  const url = databaseUrl(values["db-url"]);
  const db = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: `admin:${action}` });
  try {
    await db.connect();
  } catch (error) {
    fail(connectionProblem(error, url), "check --db-url / SUPABASE_DB_URL, or start the local stack with `npm start`");
  }
  try {
    const change = action === "grant"
      ? await grantRole(db, values.email, PLATFORM_ADMIN_ROLE)
      : await revokeRole(db, values.email, PLATFORM_ADMIN_ROLE);
    const who = `${change.email} (user ${change.userId})`;
    if (action === "grant") {
      process.stdout.write(change.changed ? `✔ ${who} is now ${PLATFORM_ADMIN_ROLE}\n` : `✔ ${who} already was ${PLATFORM_ADMIN_ROLE}\n`);
      process.stdout.write("  the claim is in the user's next access token: they sign in again (or their session refreshes)\n");
    } else {
      process.stdout.write(change.changed ? `✔ ${who} is no longer ${PLATFORM_ADMIN_ROLE}\n` : `✔ ${who} was not ${PLATFORM_ADMIN_ROLE}\n`);
      process.stdout.write("  their next access token (sign-in or refresh) lacks the claim; tokens issued before keep it until they expire (jwt_expiry)\n");
    }
  } catch (error) {
    if (error instanceof RoleChangeError) fail(error.message, error.fix);
    fail(`unexpected failure: ${(error as Error).message}`, "check the database, then try again");
  } finally {
    await db.end().catch(() => {});
  }
}

void main();
