/**
 * What Supabase Auth enforces on a custom access token hook's answer (supabase/auth
 * internal/tokens/service.go MinimumViableTokenSchema, internal/hooks): the local stand-in refuses
 * the same answers, so a hook that would break sign-in on a project breaks it here too. Each hook
 * lives only inside a rolled-back transaction.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { AuthError } from "../../local/src/auth/auth-error.ts";
import { claimProblems, runCustomAccessTokenHook } from "../../local/src/auth/token-hook.ts";
import { openPool } from "../support/db.ts";

const pool = openPool(2);
after(() => pool.end());

const validClaims = () => {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: "http://127.0.0.1/auth/v1", aud: "authenticated", exp: now + 3600, iat: now, sub: crypto.randomUUID(), email: "a@example.test",
    phone: "", role: "authenticated", aal: "aal1", session_id: crypto.randomUUID(), is_anonymous: false, app_metadata: {}, user_metadata: {},
  };
};

/** Runs the stand-in's hook call against a hook whose body is `body` (plpgsql returning jsonb), as supabase_auth_admin. */
async function callHook(body: string): Promise<Record<string, unknown>> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query(`create function public.test_hook(event jsonb) returns jsonb language plpgsql as $$ begin ${body} end $$`);
    // As Supabase's hook guide says, and as the project's migrations do: new functions are executable by no one else.
    await client.query("grant execute on function public.test_hook(jsonb) to supabase_auth_admin");
    await client.query("set local role supabase_auth_admin");
    const claims = validClaims();
    return await runCustomAccessTokenHook(client, '"public"."test_hook"', { userId: claims.sub, claims, authenticationMethod: "password" });
  } finally {
    await client.query("rollback").catch(() => {});
    client.release();
  }
}

/** The 500 Auth answers, with the message it gives. */
const refusedWith = (message: RegExp) => (error: unknown) => {
  assert.ok(error instanceof AuthError, String(error));
  assert.equal(error.status, 500);
  assert.match(error.message, message);
  return true;
};

describe("custom access token hook answers Supabase Auth refuses", () => {
  test("the event passes through unchanged: the claims come back to be signed", async () => {
    const claims = await callHook("return event;");
    assert.equal(claims.role, "authenticated");
  });

  test("an answer that dropped a required claim (session_id) is a 500 naming it", async () => {
    await assert.rejects(callHook("return jsonb_set(event, '{claims}', (event->'claims') - 'session_id');"), refusedWith(/output claims do not conform to the expected schema: \n- \(root\): session_id is required/));
  });

  test("a claim of the wrong type (exp as text) is a 500", async () => {
    await assert.rejects(callHook("return jsonb_set(event, '{claims,exp}', '\"soon\"');"), refusedWith(/exp: Invalid type. Expected: integer, given: string/));
  });

  test("an answer without claims is a 500 'output claims field is missing'", async () => {
    await assert.rejects(callHook("return '{}'::jsonb;"), refusedWith(/^output claims field is missing$/));
  });

  test("a hook that raises is a bare 500 (the reason only in the log)", async () => {
    await assert.rejects(callHook("raise exception 'boom';"), refusedWith(/^error generating jwt token$/));
  });

  test("a hook may refuse with {error: {http_code, message}}: that status and message", async () => {
    await assert.rejects(callHook(`return '{"error": {"http_code": 403, "message": "no tokens today"}}'::jsonb;`), (error: unknown) => {
      assert.ok(error instanceof AuthError);
      assert.equal(error.status, 403);
      assert.equal(error.message, "no tokens today");
      return true;
    });
  });
});

describe("claimProblems (GoTrue's MinimumViableTokenSchema)", () => {
  test("every required claim is checked, and iss is not among them", () => {
    assert.deepEqual(claimProblems(validClaims()), []);
    assert.deepEqual(claimProblems({}).sort(), ["aal", "aud", "email", "exp", "iat", "is_anonymous", "phone", "role", "session_id", "sub"].map((c) => `(root): ${c} is required`).sort());
    const { iss: _iss, ...withoutIss } = validClaims();
    assert.deepEqual(claimProblems(withoutIss), []);
  });

  test("aud may be a string or an array; amr entries strings or objects", () => {
    assert.deepEqual(claimProblems({ ...validClaims(), aud: ["authenticated"], amr: ["password", { method: "otp", timestamp: 1 }] }), []);
    assert.equal(claimProblems({ ...validClaims(), aud: 1 }).length, 1);
    assert.equal(claimProblems({ ...validClaims(), amr: [1] }).length, 1);
  });
});
