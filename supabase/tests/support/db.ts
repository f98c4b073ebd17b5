import pg from "pg";
import { stackEnv } from "../../local/test/support/env.ts";

/**
 * Direct SQL for setup and verification (the superuser connection `npm test` exports).
 * Sized for the 50-way concurrency tests: one connection per parallel emit.
 */
export function openPool(max = 60): pg.Pool {
  return new pg.Pool({ connectionString: stackEnv().dbUrl, max });
}

export type ApiRole = "anon" | "authenticated" | "service_role";

/**
 * Runs `fn` in a transaction as an API role, with JWT claims set the way PostgREST sets them,
 * then rolls back: for checks that must see what that role sees, without leaving anything behind.
 */
export async function asRole<T>(
  pool: pg.Pool,
  role: ApiRole,
  fn: (client: pg.PoolClient) => Promise<T>,
  claims: Record<string, unknown> = { role },
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(claims)]);
    await client.query(`set local role ${role}`);
    return await fn(client);
  } finally {
    await client.query("rollback").catch(() => {});
    client.release();
  }
}

/** Runs `fn` in a transaction that is always rolled back (bulk data for plan checks, seeds). */
export async function inRolledBackTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    return await fn(client);
  } finally {
    await client.query("rollback").catch(() => {});
    client.release();
  }
}

/** The SQLSTATE and message of a rejected query, for `assert.rejects(…, sqlError("23505", /…/))`. */
export function sqlError(code: string, message?: RegExp) {
  return (error: unknown): boolean => {
    const e = error as { code?: string; message?: string };
    if (e.code !== code) throw new Error(`expected SQLSTATE ${code}, got ${e.code}: ${e.message}`);
    if (message && !message.test(e.message ?? "")) throw new Error(`expected message ${message}, got: ${e.message}`);
    return true;
  };
}
