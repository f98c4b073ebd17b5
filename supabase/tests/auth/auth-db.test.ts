/**
 * The Auth stand-in's transactions (src/auth/auth-db.ts): every one runs as supabase_auth_admin,
 * so the hook has exactly the privileges it has on a project; a failure rolls back, except the
 * ones GoTrue commits before failing (a reused refresh token revokes its family).
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { CommitThenFail, createAuthDb } from "../../local/src/auth/auth-db.ts";
import { stackEnv } from "../../local/test/support/env.ts";

const db = createAuthDb(stackEnv().dbUrl);
after(() => db.close());

/** A scratch table supabase_auth_admin may write, dropped at the end. */
async function withScratchTable(fn: (table: string) => Promise<void>): Promise<void> {
  const table = `auth_db_test_${crypto.randomBytes(4).toString("hex")}`;
  const admin = createAuthDb(stackEnv().dbUrl);
  try {
    await admin.transaction(async (tx) => {
      await tx.query("reset role");
      await tx.query(`create table public.${table} (n int)`);
      await tx.query(`grant insert, select on public.${table} to supabase_auth_admin`);
    });
    await fn(table);
  } finally {
    await admin.transaction(async (tx) => {
      await tx.query("reset role");
      await tx.query(`drop table if exists public.${table}`);
    });
    await admin.close();
  }
}

const count = (table: string) => db.transaction(async (tx) => Number((await tx.query(`select count(*) from public.${table}`)).rows[0].count));

describe("Auth's database access", () => {
  test("runs as supabase_auth_admin, not as the connection's superuser", async () => {
    const role = await db.transaction(async (tx) => (await tx.query<{ role: string; superuser: string }>("select current_user as role, current_setting('is_superuser') as superuser")).rows[0]);
    assert.deepEqual(role, { role: "supabase_auth_admin", superuser: "off" });
  });

  test("an error rolls the transaction back; CommitThenFail commits, then fails with its error", async () => {
    await withScratchTable(async (table) => {
      await assert.rejects(db.transaction(async (tx) => {
        await tx.query(`insert into public.${table} values (1)`);
        throw new Error("boom");
      }), /boom/);
      assert.equal(await count(table), 0);

      await assert.rejects(db.transaction(async (tx) => {
        await tx.query(`insert into public.${table} values (2)`);
        throw new CommitThenFail(new Error("already used"));
      }), /already used/);
      assert.equal(await count(table), 1);
    });
  });
});
