/**
 * Migration 20251201001500_user_roles.sql as Supabase's RBAC guide asks: the custom access token
 * hook runs for supabase_auth_admin only; users (and API keys) cannot touch public.user_roles; the
 * enum and claim agree with shared/src/stack-contract.ts.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { APP_ROLE_CLAIM, PLATFORM_ADMIN_ROLE } from "@org-bootstrap/shared/stack-contract.ts";
import { signUpNewUser } from "../../local/test/support/auth-users.ts";
import { stackEnv } from "../../local/test/support/env.ts";
import { asRole, openPool, sqlError, type ApiRole } from "../support/db.ts";
import { anonClient, serviceClient, supabaseClient } from "../support/supabase.ts";

const pool = openPool(4);
after(() => pool.end());

/** An event as Supabase Auth sends it to the hook. */
const hookEvent = (userId: string, claims: Record<string, unknown> = {}) => ({
  user_id: userId,
  claims: { sub: userId, role: "authenticated", aud: "authenticated", ...claims },
  authentication_method: "password",
});

/** Runs `sql` as supabase_auth_admin in a transaction that is rolled back. */
async function asAuthAdmin<T>(fn: (run: (sql: string, params?: unknown[]) => Promise<T[]>) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("set local role supabase_auth_admin");
    await fn(async (sql, params) => (await client.query(sql, params)).rows as T[]);
  } finally {
    await client.query("rollback").catch(() => {});
    client.release();
  }
}

describe("the custom access token hook", () => {
  test("anon, authenticated and service_role may not execute it (SQL)", async () => {
    for (const role of ["anon", "authenticated", "service_role"] as ApiRole[]) {
      await assert.rejects(
        asRole(pool, role, (db) => db.query("select public.custom_access_token_hook($1)", [hookEvent(crypto.randomUUID())])),
        sqlError("42501", /permission denied for function custom_access_token_hook/),
        role,
      );
    }
  });

  test("nor through the API: rpc with the anon key, a signed-in user's token, or the service_role key is refused", async () => {
    const user = await signUpNewUser("hook-rpc");
    const clients = {
      anon: anonClient(),
      "signed-in user": supabaseClient(stackEnv().anonKey, user.session.access_token),
      service_role: serviceClient(),
    };
    for (const [label, client] of Object.entries(clients)) {
      const { data, error } = await client.rpc("custom_access_token_hook", { event: hookEvent(user.session.user.id) });
      assert.equal(data, null, label);
      assert.equal(error?.code, "42501", `${label}: ${JSON.stringify(error)}`);
      assert.match(error?.message ?? "", /permission denied for function custom_access_token_hook/, label);
    }
  });

  test("as supabase_auth_admin it adds app_role for a user with the role, and leaves it out (removing any) for one without", async () => {
    const admin = await signUpNewUser("hook-admin");
    const plain = await signUpNewUser("hook-plain");
    await asAuthAdmin<{ event: { claims: Record<string, unknown> } }>(async (run) => {
      // The grant itself is the postgres role's job (admin:grant); here inside the same rolled-back transaction.
      await run("reset role");
      await run("insert into public.user_roles (user_id, role) values ($1, $2)", [admin.session.user.id, PLATFORM_ADMIN_ROLE]);
      await run("set local role supabase_auth_admin");

      const [granted] = await run("select public.custom_access_token_hook($1) as event", [hookEvent(admin.session.user.id)]);
      assert.equal(granted!.event.claims[APP_ROLE_CLAIM], PLATFORM_ADMIN_ROLE);
      assert.equal(granted!.event.claims.sub, admin.session.user.id, "other claims untouched");

      const [none] = await run("select public.custom_access_token_hook($1) as event", [hookEvent(plain.session.user.id, { [APP_ROLE_CLAIM]: PLATFORM_ADMIN_ROLE })]);
      assert.equal(APP_ROLE_CLAIM in none!.event.claims, false, "a claim the user does not hold is removed, not passed through");
    });
  });

  test("the enum's values and the hook's claim are the ones in shared/src/stack-contract.ts", async () => {
    const { rows } = await pool.query<{ labels: string[] }>("select enum_range(null::public.app_role)::text[] as labels");
    assert.ok(rows[0]!.labels.includes(PLATFORM_ADMIN_ROLE), `public.app_role has ${rows[0]!.labels.join(", ")}`);
    const { rows: source } = await pool.query<{ body: string }>("select prosrc as body from pg_proc where oid = 'public.custom_access_token_hook(jsonb)'::regprocedure");
    assert.match(source[0]!.body, new RegExp(`'\\{${APP_ROLE_CLAIM}\\}'`), `the hook sets the ${APP_ROLE_CLAIM} claim`);
  });
});

describe("public.user_roles", () => {
  test("a signed-in user cannot give themselves a role through the API, nor read who has one", async () => {
    const user = await signUpNewUser("self-grant");
    const asUser = supabaseClient(stackEnv().anonKey, user.session.access_token);
    const inserted = await asUser.from("user_roles").insert({ user_id: user.session.user.id, role: PLATFORM_ADMIN_ROLE });
    assert.equal(inserted.error?.code, "42501", JSON.stringify(inserted.error));
    const read = await asUser.from("user_roles").select("*");
    assert.equal(read.error?.code, "42501", JSON.stringify(read.error));

    const { rows } = await pool.query("select 1 from public.user_roles where user_id = $1", [user.session.user.id]);
    assert.deepEqual(rows, [], "no role was written");
  });

  test("no API role may write it, not even service_role: roles change only through a database connection", async () => {
    const user = await signUpNewUser("api-grant");
    for (const role of ["anon", "authenticated", "service_role"] as ApiRole[]) {
      await assert.rejects(
        asRole(pool, role, (db) => db.query("insert into public.user_roles (user_id, role) values ($1, $2)", [user.session.user.id, PLATFORM_ADMIN_ROLE])),
        sqlError("42501", /permission denied for table user_roles/),
        role,
      );
    }
    const { error } = await serviceClient().from("user_roles").insert({ user_id: user.session.user.id, role: PLATFORM_ADMIN_ROLE });
    assert.equal(error?.code, "42501", JSON.stringify(error));
  });

  test("supabase_auth_admin may read it (the hook's policy) and not write it", async () => {
    await asAuthAdmin(async (run) => {
      await run("select count(*) from public.user_roles");
      await assert.rejects(run("delete from public.user_roles"), sqlError("42501"));
    });
  });

  test("deleting a user from auth.users deletes their roles", async () => {
    const user = await signUpNewUser("cascade");
    const client = await pool.connect();
    try {
      await client.query("begin");
      await client.query("insert into public.user_roles (user_id, role) values ($1, $2)", [user.session.user.id, PLATFORM_ADMIN_ROLE]);
      await client.query("delete from auth.users where id = $1", [user.session.user.id]);
      const { rows } = await client.query("select 1 from public.user_roles where user_id = $1", [user.session.user.id]);
      assert.deepEqual(rows, []);
    } finally {
      await client.query("rollback");
      client.release();
    }
  });
});
