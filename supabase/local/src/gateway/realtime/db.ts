import pg from "pg";

/** The publication real Supabase Realtime reads; only its tables produce changes. */
export const PUBLICATION = "supabase_realtime";

/**
 * Session settings shared by the replication connection (which prints every column value as text)
 * and the catalog pool (which canonicalises filter values): both must print timestamps the same
 * way, in UTC and ISO style, for filters and typed values to agree.
 */
export const TEXT_OUTPUT_OPTIONS = "-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres -c extra_float_digits=1";

export const APPLICATION_NAME = "supabase-local-realtime";

/**
 * Superuser connections for catalog look-ups and RLS checks (which switch role per query with
 * set_config('role', …, true) inside a transaction, as Realtime's apply_rls does).
 */
export function createCatalogPool(dbUrl: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: dbUrl,
    max: 4,
    options: TEXT_OUTPUT_OPTIONS,
    application_name: APPLICATION_NAME,
  });
  // An idle client dying (Postgres restarting) must not crash the gateway; the pool replaces it.
  pool.on("error", (error) => console.error(`[realtime] database connection lost: ${error.message}`));
  return pool;
}
