import pg from "pg";

export type AuthTx = pg.PoolClient;

/**
 * Thrown inside a transaction whose writes must stand although the request fails (GoTrue's
 * storage.NewCommitWithError): a refresh token reused too late revokes its whole family, then
 * answers 400.
 */
export class CommitThenFail extends Error {
  constructor(readonly failure: Error) {
    super(failure.message);
  }
}

/**
 * The Auth stand-in's database access. Supabase Auth connects as `supabase_auth_admin`; here one
 * pool (the stack's admin connection) switches to that role at the start of every transaction, so
 * Auth reads and writes only what supabase_auth_admin may, and the custom access token hook runs
 * with exactly the privileges it has on a project.
 */
export interface AuthDb {
  /** Runs `fn` in one transaction as supabase_auth_admin; commits, or rolls back on any error. */
  transaction<T>(fn: (tx: AuthTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function createAuthDb(connectionString: string): AuthDb {
  // A handful of connections: sign-ins are bounded by bcrypt's cost, not by the database.
  const pool = new pg.Pool({ connectionString, max: 5, application_name: "local-auth" });
  pool.on("error", () => {
    // An idle connection dropped by the server (a stack stopping): the next query opens a new one.
  });
  return {
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("begin");
        await client.query("set local role supabase_auth_admin");
        const result = await fn(client);
        await client.query("commit");
        return result;
      } catch (error) {
        if (error instanceof CommitThenFail) {
          await client.query("commit");
          throw error.failure;
        }
        await client.query("rollback").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
