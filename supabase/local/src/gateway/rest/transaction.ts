import type { IncomingHttpHeaders } from "node:http";
import type pg from "pg";
import type { JWTPayload } from "jose";
import { isDatabaseError, pgrstError, RestError } from "./errors.ts";

/** Who is asking and how: becomes the transaction-local settings PostgREST sets. */
export interface RequestSettings {
  readonly role: string;
  readonly claims: JWTPayload;
  readonly method: string;
  /** The path below /rest/v1, as PostgREST sees it behind the gateway (e.g. `/rpc/fn`). */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * BEGIN and the request's settings in one round trip (a simple-protocol query may hold several
 * statements, but not parameters: the values are quoted with the driver's escapeLiteral). One
 * Postgres round trip fewer per request is one socket write and one wake-up fewer on each side.
 * The role switch is transaction-local (is_local = true): the pooled connection goes back to
 * `authenticator` at COMMIT/ROLLBACK, so no request can leak its role into the next one.
 */
export function beginWithSettingsSql(readOnly: boolean, settings: RequestSettings, quote: (value: string) => string): string {
  const set = (name: string, value: string) => `set_config('${name}', ${quote(value)}, true)`;
  return `${readOnly ? "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY" : "BEGIN"}; select ` + [
    "set_config('search_path', 'public, extensions', true)",
    set("role", settings.role),
    set("request.jwt.claims", JSON.stringify(settings.claims)),
    set("request.method", settings.method),
    set("request.path", settings.path),
    set("request.headers", JSON.stringify(settings.headers)),
  ].join(", ");
}

export interface Outcome<T> {
  /** False rolls back (e.g. a singular request that touched other than one row). */
  readonly commit: boolean;
  readonly value: T;
}

/**
 * Runs one request as PostgREST does: one pooled connection, one transaction (read-only for
 * GET/HEAD), the caller's role and JWT claims set before anything else, so GRANTs and RLS
 * policies decide what the request may see and do.
 */
export async function inRequestTransaction<T>(
  pool: pg.Pool,
  settings: RequestSettings,
  readOnly: boolean,
  work: (client: pg.PoolClient) => Promise<Outcome<T>>,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw pgrstError(503, "PGRST001", "Could not connect to the database", { details: (error as Error).message });
  }
  let broken: Error | undefined;
  // pg-pool drops its own 'error' listener while a client is checked out: a socket error then (Postgres
  // crashing mid-request) would be an unhandled 'error' event and take the whole gateway down. The query
  // in flight fails with the same error, so here it only marks the connection as not reusable.
  const onSocketError = (error: Error) => {
    broken ??= error;
  };
  client.on("error", onSocketError);
  try {
    await client.query(beginWithSettingsSql(readOnly, settings, (value) => client.escapeLiteral(value)));
    const outcome = await work(client);
    await client.query(outcome.commit ? "COMMIT" : "ROLLBACK");
    return outcome.value;
  } catch (error) {
    // A Postgres error leaves a healthy connection in an aborted transaction; anything else
    // (a dropped socket) means the connection must not go back to the pool.
    if (!isDatabaseError(error) && !(error instanceof RestError)) broken = error as Error;
    await client.query("ROLLBACK").catch((rollbackError: Error) => {
      broken ??= rollbackError;
    });
    throw error;
  } finally {
    client.off("error", onSocketError);
    client.release(broken ?? false);
  }
}
